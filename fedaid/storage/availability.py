"""Which database errors mean "try again in a moment" (locked, busy, unreachable) rather than a bug.

The request middleware answers those with 503 and `Retry-After`; the command line names them in one line.
"""

from __future__ import annotations

import sqlite3

import asyncpg  # type: ignore[import-untyped]
from tortoise.exceptions import BaseORMException, DBConnectionError

# SQLite result codes (the low byte of extended codes): https://www.sqlite.org/rescode.html
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_IOERR, _SQLITE_CANTOPEN = 5, 6, 10, 14
_SQLITE_UNAVAILABLE = frozenset({_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_IOERR, _SQLITE_CANTOPEN})
_POSTGRES_UNAVAILABLE = (
    asyncpg.PostgresConnectionError,  # SQLSTATE class 08, and a connection that went away
    asyncpg.CannotConnectNowError,  # starting up or shutting down
    asyncpg.TooManyConnectionsError,
    asyncpg.LockNotAvailableError,  # lock_timeout
    asyncpg.DeadlockDetectedError,
    asyncpg.SerializationError,
    asyncpg.QueryCanceledError,  # statement_timeout
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    # A connection the server closed mid-operation (PostgreSQL shutting down) can be left in a state asyncpg
    # refuses ("cannot switch to state 12; another operation (2) is in progress"): MagicStack/asyncpg#1069;
    # SQLAlchemy's asyncpg dialect treats it as a lost connection too (sqlalchemy/sqlalchemy#13241).
    asyncpg.InternalClientError,
)
# SQLSTATE 55000 is also a bug's (currval before nextval); this is PostgreSQL's refusal of new connections to a
# database closed to them (ALLOW_CONNECTIONS false, as during maintenance): src/backend/utils/init/postinit.c
_REFUSES_CONNECTIONS = "is not currently accepting connections"
# Either driver's errors, as they reach the code (Tortoise wraps some of them): the command line's net.
DATABASE_ERRORS = (sqlite3.DatabaseError, asyncpg.PostgresError, BaseORMException)


def is_unavailable(err: BaseException) -> bool:
    """True when `err` (or what it wraps) says the database is locked, busy or unreachable for now."""
    for cause in _chain(err):
        if isinstance(cause, sqlite3.Error) and getattr(cause, "sqlite_errorcode", 0) & 0xFF in _SQLITE_UNAVAILABLE:
            return True
        if isinstance(cause, (*_POSTGRES_UNAVAILABLE, DBConnectionError, ConnectionError)):
            return True
        if isinstance(cause, asyncpg.ObjectNotInPrerequisiteStateError) and _REFUSES_CONNECTIONS in str(cause):
            return True
    return False


# PostgreSQL giving up on a lock another transaction holds: deadlock detected, serialization failure
# (https://www.postgresql.org/docs/current/errcodes-appendix.html).
_LOCK_CONFLICTS = frozenset({"40P01", "40001"})


def is_lock_conflict(err: BaseException) -> bool:
    """Whether `err` (or what caused it) is PostgreSQL giving up on a lock another transaction holds."""
    return any(getattr(cause, "sqlstate", None) in _LOCK_CONFLICTS for cause in _chain(err))


def _chain(err: BaseException) -> list[BaseException]:
    """`err`, what it was raised from, and an exception passed as its first argument (Tortoise's wrapping)."""
    seen: list[BaseException] = []
    pending: list[BaseException | None] = [err]
    while pending and len(seen) < 8:
        current = pending.pop()
        if current is None or any(current is known for known in seen):
            continue
        seen.append(current)
        first = current.args[0] if current.args else None
        pending += [current.__cause__, current.__context__, first if isinstance(first, BaseException) else None]
    return seen
