"""Hours on a proposal, claimed and given back by one conditional UPDATE each.

The row lock (PostgreSQL) or the single writer (SQLite) makes two people taking the last hours at the same
moment produce exactly one claim; a proposal is `agreed` while no hours are left and opens again when some
come back.
"""

from __future__ import annotations

from decimal import Decimal

from fedaid.models import Proposal, ProposalStatus

HUNDREDTH = Decimal("0.01")


async def claim_hours(proposal: Proposal, hours: Decimal) -> bool:
    """Take `hours` from what is available on an open proposal, in one conditional UPDATE.

    The row lock (PostgreSQL) or the single writer (SQLite) makes a second claim on the last hours
    see them gone and change nothing. The proposal becomes `agreed` when nothing is left.
    """
    db = Proposal._meta.db
    if db.capabilities.dialect == "sqlite":
        # Decimals are text in SQLite; compute in hundredths to keep them exact.
        sql = (
            "UPDATE proposal SET available_hours = printf('%.2f', (ROUND(CAST(available_hours AS REAL) * 100)"
            " - ?) / 100.0), status = CASE WHEN ROUND(CAST(available_hours AS REAL) * 100) - ? <= 0"
            " THEN 'agreed' ELSE status END WHERE id = ? AND status = 'open'"
            " AND ROUND(CAST(available_hours AS REAL) * 100) >= ? RETURNING available_hours, status"
        )
        cents = int(hours * 100)
        rows = await db.execute_query_dict(sql, [cents, cents, proposal.id, cents])
    else:
        sql = (
            "UPDATE proposal SET available_hours = available_hours - $1, status = CASE WHEN"
            " available_hours - $1 <= 0 THEN 'agreed' ELSE status END WHERE id = $2 AND status = 'open'"
            " AND available_hours >= $1 RETURNING available_hours, status"
        )
        rows = await db.execute_query_dict(sql, [hours, proposal.id])
    if not rows:
        return False
    row = dict(rows[0])
    proposal.available_hours = Decimal(str(row["available_hours"])).quantize(HUNDREDTH)
    proposal.status = ProposalStatus(row["status"])
    return True


async def release_hours(proposal: Proposal, hours: Decimal) -> None:
    """Give hours back (a cancelled agreement); an `agreed` proposal opens again."""
    db = Proposal._meta.db
    if db.capabilities.dialect == "sqlite":
        sql = (
            "UPDATE proposal SET available_hours = printf('%.2f', MIN(ROUND(CAST(hours AS REAL) * 100),"
            " ROUND(CAST(available_hours AS REAL) * 100) + ?) / 100.0), status = CASE WHEN status = 'agreed'"
            " THEN 'open' ELSE status END WHERE id = ? RETURNING available_hours, status"
        )
        rows = await db.execute_query_dict(sql, [int(hours * 100), proposal.id])
    else:
        sql = (
            "UPDATE proposal SET available_hours = LEAST(hours, available_hours + $1), status = CASE WHEN"
            " status = 'agreed' THEN 'open' ELSE status END WHERE id = $2 RETURNING available_hours, status"
        )
        rows = await db.execute_query_dict(sql, [hours, proposal.id])
    if rows:
        row = dict(rows[0])
        proposal.available_hours = Decimal(str(row["available_hours"])).quantize(HUNDREDTH)
        proposal.status = ProposalStatus(row["status"])
