"""Claiming due rows of a queue table (deliveries, inbox items, mail and push jobs) for one worker.

A claimed row carries `claimed_until`; a worker that dies leaves it to be claimed again after the lease.
On PostgreSQL other workers skip locked rows instead of waiting. On SQLite the transaction begins IMMEDIATE
(storage/sqlite_engine.py): a second process waits for the write lock (busy timeout) instead of failing with
"database is locked" when upgrading its read to a write.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypeVar

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from fedaid.storage.dialect import is_sqlite
from fedaid.storage.statements import update_by_ids

RowT = TypeVar("RowT", bound=Model)


async def claim_due(due: QuerySet[RowT], now: datetime, lease: timedelta, limit: int) -> list[RowT]:
    """The first `limit` rows of `due` that no live lease holds, leased until `now + lease` in one transaction."""
    model = due.model
    async with in_transaction() as connection:
        query = claimable(due, now, limit)
        if not is_sqlite(connection):
            query = query.select_for_update(skip_locked=True)
        rows = await query
        await update_by_ids(model, [row.pk for row in rows], {"claimed_until": now + lease})
    return rows


def claimable(due: QuerySet[RowT], now: datetime, limit: int) -> QuerySet[RowT]:
    """The first `limit` rows of `due` that no live lease holds, due first.

    Every queue table has an index on (state, next_attempt_at): read in that order, a claim stops after
    `limit` rows. Ordered by id, SQLite sorted every pending row at each claim (11.5 ms with 16,000 queued,
    0.16 ms in the index's order) and PostgreSQL walked the primary key past every row done (8.8 ms against
    0.3 ms with 50,000 done). Ties keep their arrival order: SQLite's index ends with the rowid, and
    PostgreSQL sorts the few tied rows (incremental sort)."""
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    return due.filter(free).order_by("next_attempt_at", "id").limit(limit)


async def settle(model: type[Model], ids: list[int], outcome: dict[str, object]) -> None:
    """Record the outcome of claimed rows (column name → value: state, times, error, the lease released), in
    one statement for a whole batch."""
    await update_by_ids(model, ids, outcome)
