"""Schema changes on SQLite with foreign keys off, then checked.

SQLite applies some schema changes by remaking a table, and dropping the old one would delete, through
ON DELETE CASCADE, every row that points at it (https://www.sqlite.org/lang_altertable.html#otheralter,
steps 1 and 10). PostgreSQL alters tables in place and needs nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import OperationalError

from fedaid.storage.dialect import is_sqlite


@asynccontextmanager
async def foreign_keys_checked_after(connection: BaseDBAsyncClient) -> AsyncIterator[None]:
    """On SQLite, foreign keys off for the body, then every row checked; nothing on PostgreSQL."""
    if not is_sqlite(connection):
        yield
        return
    await connection.execute_script("PRAGMA foreign_keys = OFF")
    try:
        yield
        _, broken = await connection.execute_query("PRAGMA foreign_key_check")
        if broken:
            raise OperationalError(f"{len(broken)} rows point at rows that are gone, first in {broken[0][0]}")
    finally:
        await connection.execute_script("PRAGMA foreign_keys = ON")
