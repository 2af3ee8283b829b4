"""What statements read, on SQLite: trace the statements a step runs on an instance's connections (the
aiosqlite one and the hot reads' own, `sqlite_engine.read_now`), then read back each one's plan and report
those that read a whole table that grows with the instance's life.

SQLite plans without statistics (fedaid never runs ANALYZE), so its plans are the ones to watch; PostgreSQL
plans by its statistics, and tests that use this skip it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fedaid.models import Actor

# Tables that grow with federation and time; a plan may read the small ones (settings, members) whole.
GROWING = frozenset(
    {
        "actor", "delivery", "exchange", "favourite", "follow", "inbox_item", "media_attachment", "notification",
        "outbound_job", "participation", "poll", "poll_vote", "post", "post_edit", "post_mention", "post_tag",
        "proposal", "reblog", "coaching_session", "work_item",
    }
)  # fmt: skip


async def traced(step: Callable[[], Awaitable[Any]]) -> list[str]:
    """The statements `step` runs on the active database's SQLite connections, their values written in."""
    client = Actor._meta.db
    client.read_now("SELECT 1", [])  # opens the hot reads' connection, to trace it too
    writer, reader = client._connection, client._reader  # noqa: SLF001 - the connections' trace hooks
    statements: list[str] = []
    await writer._execute(writer._conn.set_trace_callback, statements.append)  # noqa: SLF001
    reader.set_trace_callback(statements.append)
    try:
        await step()
    finally:
        reader.set_trace_callback(None)
        await writer._execute(writer._conn.set_trace_callback, None)  # noqa: SLF001
    return statements


async def whole_table_reads(statements: list[str], *, allowed: frozenset[str] = frozenset()) -> dict[str, str]:
    """Each statement whose plan scans a GROWING table (but those `allowed`), or the whole of an index on one,
    with that plan. A partial index holds only the rows wanted: scanning it is reading those rows; a statement
    whose WHERE is `1=0` (Tortoise's empty IN) reads nothing."""
    db = Actor._meta.db
    _, rows = await db.execute_query("SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE '% WHERE %'")
    partial = {str(row["name"]) for row in rows}
    found: dict[str, str] = {}
    for sql in dict.fromkeys(statements):
        if not sql.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE", "WITH")) or " WHERE 1=0" in sql:
            continue
        _, plan = await db.execute_query(f"EXPLAIN QUERY PLAN {sql}")
        steps = [str(row["detail"]).split(" ") for row in plan]
        growing = GROWING - allowed
        if any(step[0] == "SCAN" and step[1] in growing and step[-1] not in partial for step in steps):
            found[sql[sql.upper().find(" FROM ") :][:240]] = " / ".join(" ".join(step) for step in steps)
    return found
