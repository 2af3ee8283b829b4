"""Queued work outside the transaction that asks for it: processing uploads, fetching remote media and the
parents of replies. Rows are written with the change that needs them, and claimed under a lease by the
worker (a worker that dies leaves them to the next after the lease).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from fedaid.clock import utcnow
from fedaid.models import WorkItem, WorkKind, WorkState
from fedaid.storage.claims import claim_due

MAX_ATTEMPTS = 5
LEASE = timedelta(minutes=5)


def retry_delay(attempt: int) -> timedelta:
    """30 s, 2 min, 8 min, 32 min: a server that was down gets a few chances within the hour."""
    return timedelta(seconds=30 * 4 ** (attempt - 1))


async def queue(kind: WorkKind, target: str, *, depth: int = 0, now: datetime | None = None) -> bool:
    """Ask for `kind` on `target` once: a second request for the same work adds nothing. True when queued."""
    if await WorkItem.filter(kind=kind, target=target).exists():
        return False
    try:
        async with in_transaction():  # a savepoint inside the caller's transaction
            await WorkItem.create(kind=kind, target=target, depth=depth, next_attempt_at=now or utcnow())
    except IntegrityError:
        return False  # queued meanwhile by another request
    return True


async def claim(kinds: tuple[WorkKind, ...], limit: int, *, now: datetime | None = None) -> list[WorkItem]:
    """Up to `limit` due items of these kinds, leased to this worker."""
    moment = now or utcnow()
    due = WorkItem.filter(state=WorkState.PENDING, next_attempt_at__lte=moment, kind__in=kinds)
    return await claim_due(due, moment, LEASE, limit)


async def take(kind: WorkKind, target: str, *, now: datetime | None = None) -> WorkItem | None:
    """The pending item asking for `kind` on `target`, leased to this caller; None when a worker holds it or it
    is done (a request doing the work at once must not do it a second time beside the worker)."""
    moment = now or utcnow()
    taken = await claim_due(WorkItem.filter(state=WorkState.PENDING, kind=kind, target=target), moment, LEASE, 1)
    return taken[0] if taken else None


async def finish(item: WorkItem) -> None:
    await WorkItem.filter(id=item.id).update(state=WorkState.DONE, claimed_until=None, last_error="")


async def fail(item: WorkItem, error: str, *, retry: bool, now: datetime | None = None) -> bool:
    """Record a failed attempt; retried later unless `retry` is False or attempts are used up. True when given up."""
    attempts = item.attempts + 1
    given_up = not retry or attempts >= MAX_ATTEMPTS
    await WorkItem.filter(id=item.id).update(
        state=WorkState.FAILED if given_up else WorkState.PENDING,
        attempts=attempts,
        last_error=error[:2000],
        claimed_until=None,
        next_attempt_at=(now or utcnow()) + retry_delay(attempts),
    )
    return given_up


async def count_recent(kind: WorkKind, since: datetime) -> int:
    """How many items of `kind` were queued since `since` (a rate bound for work strangers can cause)."""
    return await WorkItem.filter(kind=kind, created_at__gte=since).count()
