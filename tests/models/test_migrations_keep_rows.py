"""Upgrading a filled SQLite database loses no row.

On SQLite, Tortoise applies an AlterField by remaking the table (create, copy, drop the old one, rename), and
with foreign keys on, dropping the old table deletes every row that points at it through ON DELETE CASCADE
(https://www.sqlite.org/lang_altertable.html#otheralter says to switch foreign keys off around such a
change). Each case below starts from the migration before one that alters a field, puts one row in every
table, every reference naming row 1 of its table, and migrates to the newest: every row must still be there.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tortoise.migrations.executor import MigrationExecutor, MigrationTarget

from fedaid.db import Database, tortoise_config

VALUES_BY_TYPE = (  # the first type word that matches a column's declared type, and a value it accepts
    ("JSON", "'[]'"),
    ("BOOL", "0"),
    ("INT", "1"),
    ("DECIMAL", "1"),
    ("REAL", "1"),
    ("FLOAT", "1"),
    ("TIMESTAMP", "CURRENT_TIMESTAMP"),
    ("DATE", "CURRENT_DATE"),
    ("TIME", "CURRENT_TIME"),
    ("BLOB", "x'00'"),
)


# Tables a migration replaced on purpose: 0024 remade the mentoring tables, which nothing wrote before it.
REPLACED = {"mentorship", "mentoring_meeting"}


def value_for(declared: str) -> str:
    return next((value for word, value in VALUES_BY_TYPE if word in declared.upper()), "'x'")


async def fill_every_table(db: Database) -> dict[str, int]:
    """One row in each table (foreign keys naming row 1 of theirs); returns the row count of each."""
    connection = db.context.db()
    _, tables = await connection.execute_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE 'tortoise_%' AND sql NOT LIKE 'CREATE VIRTUAL%'"
    )
    names = [row["name"] for row in tables if "_search_" not in row["name"] and row["name"] not in REPLACED]
    await connection.execute_script("PRAGMA foreign_keys = OFF")
    for table in names:
        _, columns = await connection.execute_query(f'PRAGMA table_info("{table}")')
        listed = [column for column in columns if column["notnull"] or column["pk"]]
        values = ["1" if column["pk"] else value_for(column["type"]) for column in listed]
        quoted = ", ".join(f'"{column["name"]}"' for column in listed)
        await connection.execute_query(f'INSERT INTO "{table}" ({quoted}) VALUES ({", ".join(values)})')
    await connection.execute_script("PRAGMA foreign_keys = ON")
    counts = {}
    for table in names:
        _, rows = await connection.execute_query(f'SELECT COUNT(*) AS n FROM "{table}"')
        counts[table] = rows[0]["n"]
    return counts


@pytest.mark.parametrize(
    "start",
    [
        "0008_post_edits_forgotten",  # 0009 alters inbox_item
        "0010_media",  # 0011 alters notification
        "0012_web_sessions",  # 0013 alters account, invite and notification
        "0025_reported_ledgers",  # 0026 describes actor.group_kind
    ],
)
async def test_an_upgrade_keeps_every_row(tmp_path: Path, start: str) -> None:
    db = Database(f"sqlite://{tmp_path / 'old.sqlite3'}")
    await db.connect()
    try:
        with db.context:
            executor = MigrationExecutor(db.context.db(), tortoise_config(db.url)["apps"])
            await executor.migrate([MigrationTarget("models", start)])
            before = await fill_every_table(db)
        assert all(before.values()), before
        await db.migrate()
        with db.active():
            after = {}
            for table in before:
                _, rows = await db.context.db().execute_query(f'SELECT COUNT(*) AS n FROM "{table}"')
                after[table] = rows[0]["n"]
        assert after == before
    finally:
        await db.close()
