"""One process at a time through start-up (migrations, the instance's actors and keys), on either database.

`fedaid serve --no-worker` and `fedaid worker` started at the same moment would otherwise both apply the
first migration ("table actor already exists") and both create the instance actor and the VAPID key.
SQLite: an exclusive `flock` on the folder holding the database file (SQLite itself uses POSIX record locks
on the file, which `flock` does not touch, and the folder leaves no lock file behind). PostgreSQL: a
session-level advisory lock (https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS)
on a connection of its own, released when it closes, even if the process dies.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg  # type: ignore[import-untyped]

from fedaid.storage.postgres_engine import single_connection_arguments

# pg_advisory_lock takes a bigint; this one is b"fedaid\x00\x01" read as a signed 64-bit integer.
ADVISORY_KEY = int.from_bytes(b"fedaid\x00\x01", "big", signed=True)


@asynccontextmanager
async def startup_lock(database_url: str) -> AsyncIterator[None]:
    """Hold the start-up lock of the database at `database_url` for the body of the `async with`."""
    scheme = urlsplit(database_url).scheme
    if scheme == "sqlite":
        path = database_url.split("://", 1)[1].split("?", 1)[0]
        if path in ("", ":memory:"):
            yield
            return
        async with _folder_lock(Path(path).parent):
            yield
        return
    async with _advisory_lock(database_url):
        yield


@asynccontextmanager
async def _folder_lock(folder: Path) -> AsyncIterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


@asynccontextmanager
async def _advisory_lock(database_url: str) -> AsyncIterator[None]:
    # Waits as long as another process's migrations take, whatever lock_timeout the URL sets.
    connection = await asyncpg.connect(**single_connection_arguments(database_url, lock_timeout="0"))
    try:
        await connection.execute("SELECT pg_advisory_lock($1)", ADVISORY_KEY)
        yield
    finally:
        await connection.close()  # ends the session, and with it the lock
