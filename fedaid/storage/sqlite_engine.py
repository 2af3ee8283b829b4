"""SQLite's connection: Tortoise's client with `BEGIN IMMEDIATE` transactions, so processes sharing the file
never fail, and the pragmas fedaid sets.

A deferred transaction (SQLite's default `BEGIN`) that reads and then writes needs to upgrade its read
snapshot to the write lock; in WAL mode, if another process committed in between, SQLite answers
SQLITE_BUSY ("database is locked") at once, without waiting for the busy timeout
(https://www.sqlite.org/lang_transaction.html, "BEGIN IMMEDIATE"; https://www.sqlite.org/rescode.html#busy_snapshot).
`BEGIN IMMEDIATE` takes the write lock first, waiting up to the busy timeout for it, and readers are not
blocked in WAL mode. Within one process Tortoise already runs one transaction at a time on its single
connection, so nothing is lost there. Queue claims (storage/claims.py) are such read-then-write transactions.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from tortoise.backends.base.client import TransactionContext
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.backends.sqlite.client import SqliteClient, SqliteTransactionContext, SqliteTransactionWrapper
from tortoise.exceptions import TransactionManagementError

# SQLite pragmas, each unless the URL says otherwise (sqlite:///path/fedaid.sqlite3?synchronous=FULL):
# - In WAL mode, NORMAL syncs at checkpoints instead of at every commit: a crash of fedaid loses nothing
#   committed, a power cut may lose the last commits but never corrupts the file (GoToSocial's default too).
# - Tortoise cuts the WAL back to 16 KiB after every checkpoint, so the file is regrown every few thousand
#   rows: inserts then cost 40% more CPU. 64 MiB still returns the space a burst of writes takes.
READER_BUSY_MS = 100  # how long a hot read waits, in the event loop's thread, for a busy file

SQLITE_PRAGMAS = {"synchronous": "NORMAL", "journal_size_limit": str(64 * 1024 * 1024)}


def sqlite_connection(database_url: str) -> dict[str, Any]:
    """Tortoise's connection settings for a `sqlite://` URL: its own settings from the URL, with each of
    SQLITE_PRAGMAS the URL does not set, on the client whose transactions begin IMMEDIATE (this module)."""
    query = urlsplit(database_url).query
    for name, value in SQLITE_PRAGMAS.items():
        if f"{name}=" not in query:
            database_url += ("&" if "?" in database_url else "?") + f"{name}={value}"
    return {**expand_db_url(database_url), "engine": __name__}


class ImmediateTransactionWrapper(SqliteTransactionWrapper):
    """A transaction that holds SQLite's write lock from its first statement."""

    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


class ImmediateSqliteClient(SqliteClient):
    """SQLite client whose `in_transaction()` blocks begin with `BEGIN IMMEDIATE`, with a second connection
    for the hot reads (`read_now`)."""

    _reader: sqlite3.Connection | None = None

    def _in_transaction(self) -> TransactionContext:
        return SqliteTransactionContext(ImmediateTransactionWrapper(self), self._lock)

    def read_now(self, sql: str, values: Sequence[Any]) -> list[dict[str, Any]] | None:
        """The rows a SELECT returns, read at once in this thread on a read-only connection of the same file;
        None for a database in memory (a second connection would be another database).

        aiosqlite runs each statement in its own thread: a read that SQLite answers in 0.1 ms costs two
        hand-overs of the GIL, and waits for Tortoise's lock while a transaction writes. In WAL mode a second
        connection reads the last commit without waiting for the writer
        (https://www.sqlite.org/wal.html#concurrency). Reads inside a transaction must see its writes: they
        go through that transaction's connection, never here.
        """
        if self._reader is None:
            if self.filename == ":memory:" or "mode=memory" in self.filename:
                return None
            self._reader = _open_reader(self.filename)
        cursor = self._reader.execute(sql, values)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        await super().close()


def _open_reader(filename: str) -> sqlite3.Connection:
    """A connection that only reads. It waits READER_BUSY_MS at most when the file is busy (a WAL reader
    rarely is: during recovery after a crash), since it waits in the event loop's thread; the request then
    answers 503, try again (storage/availability.py)."""
    reader = sqlite3.connect(filename, isolation_level=None, check_same_thread=False)
    reader.execute("PRAGMA query_only = ON")
    reader.execute(f"PRAGMA busy_timeout = {READER_BUSY_MS}")
    return reader


client_class = ImmediateSqliteClient
