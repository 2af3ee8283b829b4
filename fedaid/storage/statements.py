"""Model rows read by SQL written once as text, for the reads every API call and timeline page makes.

Tortoise builds a query's SQL anew through pypika each time it runs: about 0.3 ms of CPU per query, more than
SQLite or PostgreSQL takes to answer an indexed read, and a timeline page makes several. These hot reads are
fixed statements instead, with `$n` marks (`dialect.py` translates them). Rows become model instances through
Tortoise's own row loader (`Model._init_from_db`), which converts each column as an ORM query would.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, TypeVar

from tortoise.models import Model

from fedaid.storage import dialect
from fedaid.storage.sqlite_engine import ImmediateSqliteClient

ModelT = TypeVar("ModelT", bound=Model)


def marks(first: int, count: int) -> str:
    """`count` parameter marks numbered from `first`, for an `IN (…)` list: "$3, $4, $5"."""
    return ", ".join(f"${number}" for number in range(first, first + count))


async def fetch_rows(model: type[Model], sql: str, values: Sequence[Any]) -> list[dict[str, Any]]:
    """The rows `sql` (with `$n` marks) selects on `model`'s connection (the active one in a transaction);
    outside a transaction on SQLite, read at once on the reading connection (`sqlite_engine.read_now`)."""
    connection = model._meta.db
    if isinstance(connection, ImmediateSqliteClient):
        translated = dialect.for_dialect(sql, "sqlite")
        found = connection.read_now(translated, dialect.bound(connection, values))
        if found is not None:
            return found
    return await dialect.rows(connection, sql, values)


@functools.cache
def columns(model: type[Model], alias: str) -> str:
    """The select list of every column of `model` in table `alias`, each named "alias.column"."""
    return ", ".join(f'{alias}."{column}" AS "{alias}.{column}"' for column in _column_names(model))


def instance(model: type[ModelT], row: dict[str, Any], alias: str) -> ModelT:
    """The `model` instance that `columns(model, alias)` selected into `row`."""
    return model._init_from_db(**{column: row[f"{alias}.{column}"] for column in _column_names(model)})


def attach(owner: Model, relation: str, related: Model | None) -> None:
    """Set a foreign-key relation as `select_related` would, so reading it needs no query."""
    object.__setattr__(owner, f"_{relation}", related)


@functools.cache
def _column_names(model: type[Model]) -> tuple[str, ...]:
    return tuple(model._meta.fields_db_projection.values())
