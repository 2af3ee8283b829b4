"""Expiry, run by the worker: open proposals past their `expires_at` become expired, and peers hear of it.

`expire_due(now)` is one pass; the worker calls it through an `ExpiryTimer`, and tests call it directly.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from fedaid.clock import utcnow
from fedaid.domain import proposals
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


class ExpiryTimer:
    """`expire_due` at most once per `interval`: the worker calls `run_once` on every pass (twice a second
    when idle), and the expiry query need not run that often. A full batch runs again at the next pass."""

    def __init__(
        self, interval: timedelta = INTERVAL, *, clock: Callable[[], datetime] = utcnow, batch: int = BATCH
    ) -> None:
        self._interval, self._clock, self._batch = interval, clock, batch
        self._next_at: datetime | None = None

    async def run_once(self) -> int:
        now = self._clock()
        if self._next_at is not None and now < self._next_at:
            return 0
        expired = await expire_due(now, batch=self._batch)
        self._next_at = now if expired >= self._batch else now + self._interval
        return expired
