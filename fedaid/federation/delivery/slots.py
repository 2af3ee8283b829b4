"""Per-host limits of one worker: at most a few POSTs in flight to a host, and a circuit breaker that pauses
a host after many failures in a row."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from fedaid.domain.retries import Step
from fedaid.federation.delivery.outcomes import log

BREAKER_THRESHOLD = 10  # Mastodon's Stoplight: 10 failures → 60 s cool-off (ActivityPub::DeliveryWorker)
BREAKER_COOL_OFF = timedelta(seconds=60)


@dataclass
class Breaker:
    """Consecutive failures to one host; open (skip the host) for a while after too many."""

    failures: int = 0
    open_until: datetime | None = None

    def is_open(self, now: datetime) -> bool:
        return self.open_until is not None and now < self.open_until


class HostSlots:
    """At most `size` POSTs in flight per host, across concurrent passes; idle hosts are forgotten."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._slots: dict[str, tuple[asyncio.Semaphore, int]] = {}

    async def acquire(self, host: str) -> None:
        slot, users = self._slots.get(host) or (asyncio.Semaphore(self._size), 0)
        self._slots[host] = (slot, users + 1)
        try:
            await slot.acquire()
        except BaseException:  # cancelled while waiting: give the place back
            self._leave(host)
            raise

    def release(self, host: str) -> None:
        self._slots[host][0].release()
        self._leave(host)

    def _leave(self, host: str) -> None:
        slot, users = self._slots[host]
        if users == 1:
            del self._slots[host]
        else:
            self._slots[host] = (slot, users - 1)


class Breakers:
    """The breakers of every host this worker sent to."""

    def __init__(self) -> None:
        self._breakers: dict[str, Breaker] = {}

    def open_hosts(self, now: datetime) -> list[str]:
        return [host for host, breaker in self._breakers.items() if breaker.is_open(now)]

    def is_open(self, host: str, now: datetime) -> bool:
        breaker = self._breakers.get(host)
        return breaker is not None and breaker.is_open(now)

    def note(self, host: str, step: Step | None, now: datetime) -> None:
        """Count a failure that will be retried; anything else closes the host's breaker."""
        if step is not Step.RETRY:
            self._breakers.pop(host, None)
            return
        breaker = self._breakers.setdefault(host, Breaker())
        breaker.failures += 1
        if breaker.failures >= BREAKER_THRESHOLD:
            breaker.open_until = now + BREAKER_COOL_OFF
            log.warning(
                "host failing, pausing its deliveries",
                extra={"host": host, "failures": breaker.failures, "until": breaker.open_until.isoformat()},
            )
