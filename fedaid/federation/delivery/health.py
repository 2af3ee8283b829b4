"""Which domains fail: failures counted per distinct UTC day, a success clears them, and a domain that
failed on too many days is unavailable (its deliveries are dropped) until it answers again."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from tortoise.transactions import in_transaction

from fedaid.domain.retries import Step
from fedaid.federation.delivery.outcomes import Result, log
from fedaid.models import Delivery, DeliveryState, DomainHealth

UNAVAILABLE_AFTER_DAYS = 7  # Mastodon's DeliveryFailureTracker::FAILURE_DAYS_THRESHOLD
KEPT_FAILURE_DAYS = 31


async def mark_domain_alive(host: str) -> None:
    """Forget a host's delivery failures, e.g. when a signed request arrives from it (DeliveryFailureTracker)."""
    await DomainHealth.filter(host=host.lower()).update(failure_days=[], is_unavailable=False)


async def record_health(results: Iterable[Result], now: datetime) -> None:
    """Track failing hosts per distinct UTC day; a success clears them (Mastodon's DeliveryFailureTracker)."""
    alive: set[str] = set()
    failed: dict[str, str] = {}
    for result in results:
        if result.step is Step.DONE:
            alive.add(result.delivery.host)
        elif result.step is Step.RETRY:
            failed[result.delivery.host] = result.error
    if alive:
        await DomainHealth.filter(host__in=sorted(alive)).update(
            failure_days=[], is_unavailable=False, last_success_at=now
        )
    for host, error in failed.items():
        if host not in alive:
            await record_failure_day(host, error, now)


async def record_failure_day(host: str, error: str, now: datetime) -> None:
    async with in_transaction():
        health, _ = await DomainHealth.get_or_create(host=host)
        days = sorted(set(health.failure_days) | {now.date().isoformat()})[-KEPT_FAILURE_DAYS:]
        health.failure_days = days
        health.last_error = error
        health.last_failure_at = now
        if len(days) >= UNAVAILABLE_AFTER_DAYS and not health.is_unavailable:
            # Mastodon drops deliveries to an unavailable domain, queued or new, until it is alive again.
            health.is_unavailable = True
            dropped = await Delivery.filter(host=host, state=DeliveryState.PENDING).update(
                state=DeliveryState.GIVEN_UP,
                claimed_until=None,
                last_error=f"{host} failed on {len(days)} distinct days and is considered unavailable",
            )
            log.warning(
                "host unavailable, deliveries to it are dropped",
                extra={"host": host, "days": len(days), "dropped": dropped},
            )
        await health.save(update_fields=["failure_days", "last_error", "last_failure_at", "is_unavailable"])
