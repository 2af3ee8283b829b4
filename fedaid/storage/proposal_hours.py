"""A proposal's available hours changed by one conditional UPDATE each, written per dialect.

The row lock (PostgreSQL) or the single writer (SQLite) makes two claims on the last hours at the same moment
produce exactly one. SQLite stores decimals as text, so its statements compute in hundredths to stay exact.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fedaid.models import Proposal
from fedaid.storage.dialect import is_sqlite, rows

# Parameters: 1 hours (hundredths on SQLite), 2 proposal id.
_TAKE_SQLITE = (
    "UPDATE proposal SET available_hours = printf('%.2f', (ROUND(CAST(available_hours AS REAL) * 100)"
    " - $1) / 100.0), status = CASE WHEN ROUND(CAST(available_hours AS REAL) * 100) - $1 <= 0"
    " THEN 'agreed' ELSE status END WHERE id = $2 AND status = 'open'"
    " AND ROUND(CAST(available_hours AS REAL) * 100) >= $1 RETURNING available_hours, status"
)
_TAKE_POSTGRES = (
    "UPDATE proposal SET available_hours = available_hours - $1, status = CASE WHEN"
    " available_hours - $1 <= 0 THEN 'agreed' ELSE status END WHERE id = $2 AND status = 'open'"
    " AND available_hours >= $1 RETURNING available_hours, status"
)
_GIVE_BACK_SQLITE = (
    "UPDATE proposal SET available_hours = printf('%.2f', MIN(ROUND(CAST(hours AS REAL) * 100),"
    " ROUND(CAST(available_hours AS REAL) * 100) + $1) / 100.0), status = CASE WHEN status = 'agreed'"
    " THEN 'open' ELSE status END WHERE id = $2 RETURNING available_hours, status"
)
_GIVE_BACK_POSTGRES = (
    "UPDATE proposal SET available_hours = LEAST(hours, available_hours + $1), status = CASE WHEN"
    " status = 'agreed' THEN 'open' ELSE status END WHERE id = $2 RETURNING available_hours, status"
)


async def take_available_hours(proposal_id: int, hours: Decimal) -> dict[str, Any] | None:
    """Subtract `hours` from an open proposal that has them, `agreed` when none are left; the new
    `available_hours` and `status`, or None when the proposal is not open or has fewer hours left."""
    return await _update(proposal_id, hours, sqlite=_TAKE_SQLITE, postgres=_TAKE_POSTGRES)


async def give_back_available_hours(proposal_id: int, hours: Decimal) -> dict[str, Any] | None:
    """Add `hours` back (at most the proposal's hours), reopening an `agreed` proposal; the new values."""
    return await _update(proposal_id, hours, sqlite=_GIVE_BACK_SQLITE, postgres=_GIVE_BACK_POSTGRES)


async def _update(proposal_id: int, hours: Decimal, *, sqlite: str, postgres: str) -> dict[str, Any] | None:
    connection = Proposal._meta.db  # the current transaction's connection when there is one
    if is_sqlite(connection):
        found = await rows(connection, sqlite, [int(hours * 100), proposal_id])
    else:
        found = await rows(connection, postgres, [hours, proposal_id])
    return found[0] if found else None
