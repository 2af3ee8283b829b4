"""Model rows read and written by SQL written once as text, for the reads every API call and timeline page
makes and the statements with long `IN (…)` lists of the workers' batches.

Tortoise builds a query's SQL anew through pypika each time it runs: about 0.3 ms of CPU per query, more than
SQLite or PostgreSQL takes to answer an indexed read, and a timeline page makes several; and about 15 µs per
element of an `IN (…)` list, 3 ms for a batch's 200 ids. These statements are fixed instead, with `$n` marks
(`dialect.py` translates them). Rows become model instances through Tortoise's own row loader
(`Model._init_from_db`), which converts each column as an ORM query would.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from tortoise.models import Model

from fedaid.storage import dialect
from fedaid.storage.sqlite_engine import ImmediateSqliteClient

ModelT = TypeVar("ModelT", bound=Model)


def marks(first: int, count: int) -> str:
    """`count` parameter marks numbered from `first`, for an `IN (…)` list: "$3, $4, $5"."""
    return ", ".join(f"${number}" for number in range(first, first + count))


async def fetch_rows(model: type[Model], sql: str, values: Sequence[Any]) -> Sequence[Mapping[str, Any]]:
    """The rows `sql` (with `$n` marks) selects on `model`'s connection (the active one in a transaction);
    outside a transaction on SQLite, read at once on the reading connection (`sqlite_engine.read_now`).

    On PostgreSQL they are asyncpg's records, read on the connection Tortoise lends (its pool's, or the
    transaction's): Tortoise's query call around it (its exception wrapper, debug log and a dictionary per
    row) cost 45 µs of a 160 µs statement with 20 requests at once."""
    connection = model._meta.db
    if dialect.is_sqlite(connection):
        if isinstance(connection, ImmediateSqliteClient):
            translated = dialect.for_dialect(sql, "sqlite")
            found = connection.read_now(translated, dialect.bound(connection, values))
            if found is not None:
                return found
        return await dialect.rows(connection, sql, values)
    async with connection.acquire_connection() as lent:
        return await lent.fetch(sql, *values)  # type: ignore[no-any-return]


@functools.cache
def columns(model: type[Model], alias: str) -> str:
    """The select list of every column of `model` in table `alias`, each named "alias.column"."""
    return ", ".join(f'{alias}."{column}" AS "{alias}.{column}"' for column in column_names(model))


def instance(model: type[ModelT], row: Mapping[str, Any], alias: str) -> ModelT:
    """The `model` instance that `columns(model, alias)` selected into `row`."""
    return model._init_from_db(**{column: row[f"{alias}.{column}"] for column in column_names(model)})


def attach(owner: Model, relation: str, related: Model | None) -> None:
    """Set a foreign-key relation as `select_related` would, so reading it needs no query."""
    object.__setattr__(owner, f"_{relation}", related)


@functools.cache
def column_names(model: type[Model]) -> tuple[str, ...]:
    """The database columns of `model`, in the order `columns` selects them."""
    return tuple(model._meta.fields_db_projection.values())


async def rows_held_by(model: type[ModelT], column: str, holder_ids: Sequence[int], order: str = "id") -> list[ModelT]:
    """The rows of `model` whose `column` is one of `holder_ids`, ordered by `order` (column names, never
    input): a status's proposal, attachments or poll. Tortoise builds such a query in 0.2-0.6 ms of CPU,
    as long as SQLite takes to answer it ten times over."""
    if not holder_ids:
        return []
    sql = (
        f"SELECT {columns(model, 'm')} FROM {model._meta.db_table} m"
        f" WHERE m.{column} IN ({marks(1, len(holder_ids))}) ORDER BY {order}"
    )
    return [instance(model, row, "m") for row in await fetch_rows(model, sql, holder_ids)]


async def values_in(model: type[Model], column: str, values: Sequence[Any]) -> set[Any]:
    """Those of `values` that some row of `model` holds in `column` (a column name, never input)."""
    if not values:
        return set()
    sql = f"SELECT {column} FROM {model._meta.db_table} WHERE {column} IN ({marks(1, len(values))})"
    return {row[column] for row in await fetch_rows(model, sql, values)}


async def update_by_ids(model: type[Model], ids: Sequence[int], changes: Mapping[str, Any]) -> None:
    """Set `changes` (column name → value as the driver binds it) on the rows of `model` with these ids."""
    if not ids:
        return
    assignments = ", ".join(f"{column} = ${number}" for number, column in enumerate(changes, 1))
    pk = model._meta.db_pk_column
    sql = f"UPDATE {model._meta.db_table} SET {assignments} WHERE {pk} IN ({marks(len(changes) + 1, len(ids))})"
    await dialect.run(model._meta.db, sql, [*changes.values(), *ids])


def unsaved(model: type[ModelT], **columns: Any) -> ModelT:
    """A `model` row to insert with `bulk_create`, from values by column name (`author_id`, not `author`), every
    other field at its default. `Model.__init__` sets each field through Tortoise's attribute hook, about 20 µs
    for a `Post`, a sixth of the inbox worker's CPU per post; its row loader sets them directly. Values are
    checked when the row is inserted (`Field.to_db_value`), as they are after `__init__`."""
    row = {column: make() for column, make in _default_makers(model) if column not in columns}
    made = model._init_from_db(**row, **columns)
    made._saved_in_db = False
    pk = model._meta.pk
    made._custom_generated_pk = bool(pk.generated and model._meta.db_pk_column in columns)  # as __init__ says
    return made


@functools.cache
def _default_makers(model: type[Model]) -> tuple[tuple[str, Callable[[], Any]], ...]:
    """(column, what makes its default) for each column of `model`, as `Model.__init__` would fill it."""
    makers = []
    for name, column in model._meta.fields_db_projection.items():
        field = model._meta.fields_map[name]
        default = field.default
        if callable(default):
            makers.append((column, default))
        elif default is not None:
            makers.append((column, functools.partial(copy.deepcopy, default)))
        elif field.has_db_default():
            makers.append((column, field.get_db_default_value))
        else:
            makers.append((column, _none))
    return tuple(makers)


def _none() -> None:
    return None
