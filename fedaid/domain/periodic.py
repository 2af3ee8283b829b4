"""A worker job that needs running only now and then: at most once per interval, sooner while it has a backlog."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from fedaid.clock import utcnow


class Periodic:
    """Runs `work(now, batch)` at most once per `interval`: the worker calls `run_once` on every pass (twice a
    second when idle), and the work need not run that often. When a pass handled a full `batch` (0: the work
    has no batches), more may be waiting, so the next pass runs it again."""

    def __init__(
        self,
        work: Callable[[datetime, int], Awaitable[int]],
        interval: timedelta,
        *,
        batch: int = 0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._work, self._interval, self._batch, self._clock = work, interval, batch, clock
        self._next_at: datetime | None = None

    async def run_once(self) -> int:
        """How much the work handled (0 when it is not time yet)."""
        now = self._clock()
        if self._next_at is not None and now < self._next_at:
            return 0
        self._next_at = now + self._interval  # a failing pass is not retried before the interval
        handled = await self._work(now, self._batch)
        if self._batch and handled >= self._batch:
            self._next_at = now
        return handled
