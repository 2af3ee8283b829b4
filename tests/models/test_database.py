"""The schema, its migrations and the per-instance database contexts, on both backends."""

import asyncio

from tortoise.transactions import in_transaction

from fedaid.db import Database
from fedaid.models import Actor, ActorType, DomainPolicy, PolicyKind
from fedaid.storage import hot_reads
from fedaid.storage.dialect import is_sqlite
from fedaid.storage.postgres_engine import plan_for_these_values


async def test_second_migrate_changes_nothing(db: Database) -> None:
    # Given a database the fixture already migrated
    # When migrations run again
    applied = await db.migrate()
    # Then nothing is applied
    assert applied == []


async def test_two_instances_keep_separate_rows(make_database) -> None:
    first, second = await make_database(), await make_database()
    with first.active():
        await Actor.create(
            ap_id="https://a.example/u/ana",
            type=ActorType.PERSON,
            username="ana",
            domain="a.example",
            inbox="https://a.example/u/ana/inbox",
        )
    with second.active():
        assert await Actor.all().count() == 0
    with first.active():
        assert await Actor.filter(username="ana").count() == 1


async def test_sqlite_syncs_at_checkpoints_unless_the_url_says_otherwise(tmp_path) -> None:
    for query, expected in (("", 1), ("?synchronous=FULL", 2)):  # 1 is NORMAL, 2 is FULL
        pragmas = await sqlite_pragmas(tmp_path / f"sync{expected}.sqlite3", query, "synchronous", "journal_mode")
        assert pragmas == [expected, "wal"]


async def test_sqlite_keeps_its_wal_file_between_checkpoints_unless_the_url_says_otherwise(tmp_path) -> None:
    # Tortoise alone would set 16384
    assert await sqlite_pragmas(tmp_path / "default.sqlite3", "", "journal_size_limit") == [64 * 1024 * 1024]
    # the URL's value wins, and its other pragmas still apply
    pragmas = await sqlite_pragmas(
        tmp_path / "set.sqlite3", "?synchronous=FULL&journal_size_limit=4096", "journal_size_limit", "synchronous"
    )
    assert pragmas == [4096, 2]


async def sqlite_pragmas(path, query: str, *names: str) -> list[object]:
    """The values of `names` on a SQLite database opened from `sqlite://<path><query>`."""
    db = Database(f"sqlite://{path}{query}")
    await db.connect()
    try:
        with db.active():
            return [(await Actor._meta.db.execute_query(f"PRAGMA {name}"))[1][0][0] for name in names]
    finally:
        await db.close()


async def test_a_batch_transaction_plans_for_its_values_and_the_next_one_does_not(db: Database) -> None:
    async def plan_cache_mode(connection) -> str:
        rows = await connection.execute_query_dict("SELECT current_setting('plan_cache_mode') AS mode")
        return rows[0]["mode"]

    # Given a transaction of the inbox worker's batch (on SQLite there is no plan cache to set)
    async with in_transaction() as connection:
        await plan_for_these_values(connection)
        if is_sqlite(connection):
            return
        # Then its statements are planned for their values
        assert await plan_cache_mode(connection) == "force_custom_plan"
    # And the setting ends with it: web requests keep generic plans
    async with in_transaction() as connection:
        assert await plan_cache_mode(connection) == "auto"


async def test_a_hot_read_does_not_wait_for_a_transaction_and_one_inside_it_sees_its_writes(db: Database) -> None:
    # Given a transaction of this process that has written a row and not committed yet
    written, release = asyncio.Event(), asyncio.Event()

    async def block_a_domain() -> None:
        async with in_transaction():
            await DomainPolicy.create(domain="spam.example", kind=PolicyKind.BLOCK)
            assert await hot_reads.policy_domains(PolicyKind.BLOCK) == ["spam.example"]  # its own write
            written.set()
            await release.wait()

    writer = asyncio.create_task(block_a_domain())
    await written.wait()
    # When a page reads the blocked domains meanwhile
    # Then it answers at once, with the last commit (on SQLite it used to wait for the transaction's end)
    assert await asyncio.wait_for(hot_reads.policy_domains(PolicyKind.BLOCK), timeout=2) == []
    # And once the transaction commits, the next read has the row
    release.set()
    await writer
    assert await hot_reads.policy_domains(PolicyKind.BLOCK) == ["spam.example"]


async def test_a_postgresql_connection_goes_back_to_the_pool_without_a_reset_round_trip(db: Database) -> None:
    connection = Actor._meta.db
    if is_sqlite(connection):
        return  # PostgreSQL's pool only
    # Given a connection of the process's pool that a statement used
    sent: list[str] = []
    async with connection._pool.acquire() as raw:
        raw.add_query_logger(lambda record: sent.append(record.query))
        assert await raw.fetchval("SELECT 1") == 1
    # When it went back to the pool, nothing more was sent (asyncpg's default reset is a statement of its own)
    assert sent == ["SELECT 1"]
    # And a transaction left open does not outlive the release
    async with connection._pool.acquire() as raw:
        await raw.execute("BEGIN")
    async with connection._pool.acquire() as raw:
        assert not raw.is_in_transaction()


async def test_postgresql_connections_go_to_the_tasks_that_waited_first(db: Database) -> None:
    connection = Actor._meta.db
    if is_sqlite(connection):
        return  # PostgreSQL's pool only
    pool = connection._pool
    # Given every connection of the pool in use, and two tasks waiting for one
    held = [await pool.acquire() for _ in range(pool.get_max_size())]
    served: list[str] = []

    async def take(name: str) -> None:
        taken = await pool.acquire()
        served.append(name)
        await asyncio.sleep(0.01)
        await pool.release(taken)

    waiters = [asyncio.create_task(take(name)) for name in ("first", "second")]
    await asyncio.sleep(0.05)
    # When a connection comes back just as a newcomer asks for one (in the same turn of the event loop, as a
    # busy web process's requests do)
    giving_back = asyncio.create_task(pool.release(held.pop()))
    await asyncio.sleep(0)
    newcomer = asyncio.create_task(take("newcomer"))
    await giving_back
    for lent in held:
        await pool.release(lent)
    await asyncio.gather(*waiters, newcomer)
    # Then the tasks get connections in the order they asked (asyncpg's own pool served the newcomer first,
    # then the second before the first)
    assert served == ["first", "second", "newcomer"]
