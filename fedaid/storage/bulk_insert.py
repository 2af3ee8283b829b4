"""Many rows in one INSERT that skips the ones whose unique key is already stored (`ON CONFLICT DO NOTHING`,
the same on SQLite 3.24+ and PostgreSQL): one statement and one commit for a burst of inbox items."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

from tortoise.models import Model

from fedaid.storage.dialect import run


async def insert_new_rows(
    model: type[Model],
    shared: Mapping[str, object],
    columns: tuple[str, ...],
    rows: Sequence[Sequence[object]],
    *,
    unique: str,
) -> None:
    """Insert `rows` (values of `columns`) into `model`'s table, each also given the `shared` values (bound
    once for the batch), skipping a row whose `unique` column holds a value already stored."""
    values: list[object] = list(shared.values())
    for row in rows:
        values += row
    await run(model._meta.db, _insert_sql(model._meta.db_table, tuple(shared), columns, len(rows), unique), values)


@functools.lru_cache(maxsize=64)
def _insert_sql(table: str, shared: tuple[str, ...], columns: tuple[str, ...], count: int, unique: str) -> str:
    """The INSERT of `count` rows, built once per batch size: parameters 1 to len(shared) are the shared
    values, and each row binds only its own."""
    constants = [f"${i + 1}" for i in range(len(shared))]
    width, first = len(columns), len(shared) + 1
    rows = ", ".join(
        "(" + ", ".join([*constants, *(f"${first + i * width + j}" for j in range(width))]) + ")" for i in range(count)
    )
    return f"INSERT INTO {table} ({', '.join([*shared, *columns])}) VALUES {rows} ON CONFLICT ({unique}) DO NOTHING"
