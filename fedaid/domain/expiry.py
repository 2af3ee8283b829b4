"""Expiry, run by the worker: open proposals past their `expires_at` become expired, and peers hear of it.

`expire_due(now)` is one pass; the worker calls it on a timer and tests call it directly.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fedaid.domain import proposals
from fedaid.models import Proposal, ProposalStatus

BATCH = 200


async def expire_due(now: datetime | None = None, *, batch: int = BATCH) -> int:
    """Expire open proposals whose time has passed; local ones go out as Update(Note). Returns how many."""
    moment = now or datetime.now(UTC)
    due = await (Proposal.filter(status=ProposalStatus.OPEN, expires_at__lte=moment, post__deleted_at__isnull=True)
                 .order_by("expires_at", "id").limit(batch))
    expired = 0
    for proposal in due:
        # change_status is conditional, so a worker racing this one expires each proposal once.
        if await proposals.change_status(proposal, ProposalStatus.EXPIRED, now=moment):
            expired += 1
    return expired
