"""Expiry, run by the worker: open proposals past their `expires_at` become expired, and peers hear of it.

`expire_due(now)` is one pass; the worker calls it through an `ExpiryTimer`, and tests call it directly.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from fedaid.clock import utcnow
from fedaid.domain import proposals
from fedaid.domain.periodic import Periodic
from fedaid.models import Proposal, ProposalStatus

BATCH = 200
INTERVAL = timedelta(minutes=1)


async def expire_due(now: datetime | None = None, *, batch: int = BATCH) -> int:
    """Expire open proposals whose time has passed; local ones go out as Update(Note). Returns how many."""
    moment = now or utcnow()
    due = await (
        Proposal.filter(status=ProposalStatus.OPEN, expires_at__lte=moment, post__deleted_at__isnull=True)
        .order_by("expires_at", "id")
        .limit(batch)
    )
    expired = 0
    for proposal in due:
        # change_status is conditional, so a worker racing this one expires each proposal once.
        if await proposals.change_status(proposal, ProposalStatus.EXPIRED, now=moment):
            expired += 1
    return expired


class ExpiryTimer(Periodic):
    """`expire_due` at most once per `interval` (see `Periodic`)."""

    def __init__(
        self, interval: timedelta = INTERVAL, *, clock: Callable[[], datetime] = utcnow, batch: int = BATCH
    ) -> None:
        super().__init__(lambda now, size: expire_due(now, batch=size), interval, batch=batch, clock=clock)
