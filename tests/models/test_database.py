"""The schema, its migrations and the per-instance database contexts, on both backends."""


from fedaid.db import Database
from fedaid.models import Actor, ActorType


async def test_second_migrate_changes_nothing(db: Database) -> None:
    # Given a database the fixture already migrated
    # When migrations run again
    applied = await db.migrate()
    # Then nothing is applied
    assert applied == []


async def test_two_instances_keep_separate_rows(make_database) -> None:
    first, second = await make_database(), await make_database()
    with first.active():
        await Actor.create(ap_id="https://a.example/u/ana", type=ActorType.PERSON, username="ana",
                           domain="a.example", inbox="https://a.example/u/ana/inbox")
    with second.active():
        assert await Actor.all().count() == 0
    with first.active():
        assert await Actor.filter(username="ana").count() == 1


async def test_sqlite_syncs_at_checkpoints_unless_the_url_says_otherwise(tmp_path) -> None:
    for query, expected in (("", 1), ("?synchronous=FULL", 2)):  # 1 is NORMAL, 2 is FULL
        db = Database(f"sqlite://{tmp_path / f'sync{expected}.sqlite3'}{query}")
        await db.connect()
        try:
            with db.active():
                _, rows = await Actor._meta.db.execute_query("PRAGMA synchronous")
                _, journal = await Actor._meta.db.execute_query("PRAGMA journal_mode")
        finally:
            await db.close()
        assert rows[0][0] == expected and journal[0][0] == "wal"


async def test_sqlite_keeps_its_wal_file_between_checkpoints_unless_the_url_says_otherwise(tmp_path) -> None:
    for query, expected in (("", 64 * 1024 * 1024), ("?synchronous=FULL&journal_size_limit=4096", 4096)):
        db = Database(f"sqlite://{tmp_path / f'wal{expected}.sqlite3'}{query}")
        await db.connect()
        try:
            with db.active():
                _, limit = await Actor._meta.db.execute_query("PRAGMA journal_size_limit")
                _, sync = await Actor._meta.db.execute_query("PRAGMA synchronous")
        finally:
            await db.close()
        assert limit[0][0] == expected  # Tortoise alone would set 16384
    assert sync[0][0] == 2  # the URL's other pragmas still apply
