"""The worker loop: repeat every queue's one-pass function until told to stop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

log = logging.getLogger("fedaid.worker")


@dataclass(frozen=True)
class Job:
    """A named one-pass function that returns how much work it did (0 when idle)."""

    name: str
    run_once: Callable[[], Awaitable[int]]


async def run_jobs_once(jobs: Sequence[Job]) -> int:
    """One pass of every job; errors are logged and the pass goes on with the next job."""
    done = 0
    for job in jobs:
        try:
            done += await job.run_once()
        except Exception:  # a worker's loop boundary: log, keep the process alive
            log.exception("job failed", extra={"job": job.name})
    return done


async def run_jobs_forever(jobs: Sequence[Job], stop: asyncio.Event, idle_sleep: float = 0.5) -> None:
    """Run passes back to back while there is work, and sleep `idle_sleep` when there is none."""
    log.info("worker started", extra={"jobs": ",".join(job.name for job in jobs)})
    while not stop.is_set():
        if await run_jobs_once(jobs) == 0:
            try:
                await asyncio.wait_for(stop.wait(), timeout=idle_sleep)
            except TimeoutError:
                pass
    log.info("worker stopped")
