"""What a worker pass reads (fedaid/worker.py and every job it runs): each statement finds its rows through an
index, never by reading a whole table that grows with the instance's life. The worker runs its jobs every
half second even when idle, so one such read costs a pass the size of the table, again and again.

SQLite plans without statistics (fedaid never runs ANALYZE), so its plans are the ones to watch: the
statements of a pass are traced on the connection and each one's plan is read back."""

from __future__ import annotations

import pytest
from inbox_support import create, follow, follow_remote, note, start_drivers

from fedaid.federation import media_worker
from fedaid.models import Actor

from fakes.remote_instance import start_fake_remote

# Tables that grow with federation and time; a plan may read the small ones (settings, members) whole.
GROWING = frozenset(
    {
        "actor", "delivery", "exchange", "favourite", "follow", "inbox_item", "media_attachment", "notification",
        "outbound_job", "participation", "poll", "poll_vote", "post", "post_edit", "post_mention", "post_tag",
        "proposal", "reblog", "coaching_session", "work_item",
    }
)  # fmt: skip


async def traced(instance, step) -> list[str]:
    """The statements `step` runs on the instance's SQLite connection, their values written in."""
    statements: list[str] = []
    connection = Actor._meta.db._connection  # noqa: SLF001 - aiosqlite's connection, for its trace hook
    await connection._execute(connection._conn.set_trace_callback, statements.append)  # noqa: SLF001
    try:
        await step()
    finally:
        await connection._execute(connection._conn.set_trace_callback, None)  # noqa: SLF001
    return statements


async def whole_table_reads(statements: list[str]) -> dict[str, str]:
    """Each statement whose plan scans a GROWING table, or the whole of an index on one, with that plan. A
    partial index holds only the rows a pass looks for: scanning it is reading those rows."""
    db = Actor._meta.db
    _, rows = await db.execute_query("SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE '% WHERE %'")
    partial = {str(row["name"]) for row in rows}
    found: dict[str, str] = {}
    for sql in dict.fromkeys(statements):
        if not sql.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE", "WITH")):
            continue
        _, plan = await db.execute_query(f"EXPLAIN QUERY PLAN {sql}")
        steps = [str(row["detail"]).split(" ") for row in plan]
        if any(step[0] == "SCAN" and step[1] in GROWING and step[-1] not in partial for step in steps):
            found[sql[sql.upper().find(" FROM ") :][:240]] = " / ".join(" ".join(step) for step in steps)
    return found


async def test_a_worker_pass_reads_no_growing_table_whole(make_instance, aiohttp_server, backend, monkeypatch) -> None:
    if backend != "sqlite":
        pytest.skip("PostgreSQL plans by its statistics; this watches SQLite's plans, which have none")
    monkeypatch.setattr(media_worker, "CLEANUP_EVERY", 0.0)  # the once-a-minute sweep of media runs every pass
    drivers = await start_drivers(make_instance)
    fake = await start_fake_remote(aiohttp_server, usernames=("alice",))
    inbox = f"{drivers.base_url}/inbox"
    # Given ana and alice follow each other, and alice sends posts (one mentions ana, one replies to another)
    status, _ = await fake.post_signed(inbox, follow(fake, f"{drivers.base_url}/u/ana"))
    assert status == 202
    await drivers.run_worker_once()
    await follow_remote(drivers, "ana", fake.actor_id("alice"))
    mention = {"type": "Mention", "href": f"{drivers.base_url}/u/ana", "name": "@ana"}
    posts = [note(fake, n, f"<p>Coup de main {n}</p>") for n in range(1, 6)]
    posts[1]["tag"] = [mention]
    posts.append(note(fake, 6, "<p>Réponse</p>", inReplyTo=posts[0]["id"]))
    for post in posts:
        status, _ = await fake.post_signed(inbox, create(fake, post))
        assert status == 202
    # When the worker applies them, then passes once more with nothing to do
    with drivers.db.active():
        statements = await traced(drivers, drivers.run_worker_once)
        statements += await traced(drivers, drivers.run_worker_once)
        # Then every statement of both passes finds its rows through an index
        assert len(statements) > 20
        assert await whole_table_reads(statements) == {}
