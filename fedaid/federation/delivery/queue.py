"""The delivery queue in the database: claim due rows under a lease, write each pass's outcomes back."""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from datetime import datetime, timedelta

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from fedaid.domain.follows import forget_followers_behind
from fedaid.domain.retries import MAX_ATTEMPTS, Step, retry_delay
from fedaid.federation.delivery.outcomes import Result, log, log_outcome
from fedaid.models import Delivery, DeliveryState
from fedaid.storage.claims import claim_due

CLAIMED_FIELDS = ("id", "sender_id", "inbox", "host", "payload", "attempts")


async def claim(now: datetime, *, batch_size: int, lease: timedelta, skipped_hosts: list[str]) -> list[Delivery]:
    """Due, unclaimed rows of hosts not skipped, leased to this worker in one transaction."""
    due = Delivery.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)
    if skipped_hosts:
        due = due.exclude(host__in=skipped_hosts)
    return await claim_due(due.only(*CLAIMED_FIELDS), now, lease, batch_size)


async def record(results: list[Result], now: datetime, rng: random.Random) -> None:
    """Write every outcome of the pass in one transaction: grouped updates for the common cases."""
    done: defaultdict[int, list[int]] = defaultdict(list)
    released: list[int] = []
    forgotten: list[str] = []
    async with in_transaction():
        for result in results:
            row = result.delivery
            match result.step:
                case None:
                    released.append(row.id)
                case Step.DONE:
                    done[result.status or 200].append(row.id)
                    log_outcome(logging.DEBUG, "delivered", result)
                case Step.FORGET_RECIPIENT:
                    await finish(row, DeliveryState.GONE, result)
                    forgotten.append(row.inbox)
                case Step.GIVE_UP:
                    await finish(row, DeliveryState.GIVEN_UP, result)
                case Step.RETRY:
                    await _schedule_retry(row, result, now, rng)
        for status, ids in done.items():
            await Delivery.filter(id__in=ids).update(
                state=DeliveryState.DONE,
                delivered_at=now,
                attempts=F("attempts") + 1,
                last_status=status,
                last_error="",
                claimed_until=None,
            )
        if released:
            await Delivery.filter(id__in=released).update(claimed_until=None)
        for inbox in dict.fromkeys(forgotten):
            await forget_inbox(inbox)


async def _schedule_retry(row: Delivery, result: Result, now: datetime, rng: random.Random) -> None:
    attempts = row.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        result.error = f"{result.error} (gave up after {attempts} attempts)"
        await finish(row, DeliveryState.GIVEN_UP, result)
        return
    next_at = now + retry_delay(attempts, result.retry_after, now, rng)
    await Delivery.filter(id=row.id).update(
        attempts=attempts,
        next_attempt_at=next_at,
        last_status=result.status,
        last_error=result.error,
        claimed_until=None,
    )
    log_outcome(logging.INFO, "delivery failed, will retry", result, next_attempt_at=next_at.isoformat())


async def finish(row: Delivery, state: DeliveryState, result: Result) -> None:
    await Delivery.filter(id=row.id).update(
        state=state, attempts=row.attempts + 1, last_status=result.status, last_error=result.error, claimed_until=None
    )
    level = logging.INFO if state is DeliveryState.GONE else logging.WARNING
    log_outcome(level, f"delivery {state.value}", result)


async def forget_inbox(inbox: str) -> None:
    """An inbox answered 410: stop every pending delivery to it and forget the followers behind it (Mastodon
    does the same on 410: ActivityPub::DeliveryWorker and UnfollowService)."""
    await Delivery.filter(inbox=inbox, state=DeliveryState.PENDING).update(
        state=DeliveryState.GONE, last_error="the inbox answered 410 Gone", claimed_until=None
    )
    forgotten = await forget_followers_behind(inbox)
    log.info("inbox gone, recipient forgotten", extra={"inbox": inbox, "followers": forgotten})
