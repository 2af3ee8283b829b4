"""The one placeholder translator: storage SQL is written with PostgreSQL's numbered `$n` marks, and SQLite
reads the same numbers as `?n` (https://www.sqlite.org/lang_expr.html#varparam), so a parameter may repeat.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

_MARK = re.compile(r"\$(\d+)")


def is_sqlite(connection: BaseDBAsyncClient) -> bool:
    """True on SQLite, False on PostgreSQL."""
    return connection.capabilities.dialect == "sqlite"


@functools.lru_cache(maxsize=512)
def for_dialect(sql: str, dialect: str) -> str:
    """`sql` as `dialect` reads its parameters: `$n` kept on PostgreSQL, `?n` on SQLite."""
    return sql if dialect == "postgres" else _MARK.sub(r"?\1", sql)


def bound(connection: BaseDBAsyncClient, values: Sequence[Any]) -> list[Any]:
    """`values` as the driver binds them: SQLite stores a datetime as Tortoise's adapter writes it."""
    if not is_sqlite(connection):
        return list(values)
    return [value.isoformat(" ") if isinstance(value, datetime) else value for value in values]


async def rows(connection: BaseDBAsyncClient, sql: str, values: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """The rows `sql` (with `$n` marks) returns on `connection`, as dictionaries."""
    translated = for_dialect(sql, connection.capabilities.dialect)
    return [dict(row) for row in await connection.execute_query_dict(translated, bound(connection, values))]


async def run(connection: BaseDBAsyncClient, sql: str, values: Sequence[Any] = ()) -> None:
    """Run `sql` (with `$n` marks) on `connection`."""
    await connection.execute_query(for_dialect(sql, connection.capabilities.dialect), bound(connection, values))


async def run_many(connection: BaseDBAsyncClient, sql: str, value_rows: Sequence[Sequence[Any]]) -> None:
    """Run `sql` (with `$n` marks) once per row of values, as one batch of the driver."""
    translated = for_dialect(sql, connection.capabilities.dialect)
    await connection.execute_many(translated, [bound(connection, values) for values in value_rows])


async def ping(connection: BaseDBAsyncClient) -> None:
    """One round trip: raises when the database cannot answer."""
    await connection.execute_query("SELECT 1")
