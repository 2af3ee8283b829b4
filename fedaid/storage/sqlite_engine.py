"""Tortoise's SQLite client with `BEGIN IMMEDIATE` transactions, so processes sharing the file never fail.

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

from tortoise.backends.base.client import TransactionContext
from tortoise.backends.sqlite.client import SqliteClient, SqliteTransactionContext, SqliteTransactionWrapper
from tortoise.exceptions import TransactionManagementError


class ImmediateTransactionWrapper(SqliteTransactionWrapper):
    """A transaction that holds SQLite's write lock from its first statement."""

    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


class ImmediateSqliteClient(SqliteClient):
    """SQLite client whose `in_transaction()` blocks begin with `BEGIN IMMEDIATE`."""

    def _in_transaction(self) -> TransactionContext:
        return SqliteTransactionContext(ImmediateTransactionWrapper(self), self._lock)


client_class = ImmediateSqliteClient
