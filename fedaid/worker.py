"""The worker loop: repeat every queue's one-pass function until told to stop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from fedaid.storage.availability import is_unavailable

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
        except Exception as err:  # a worker's loop boundary: log, keep the process alive
            if is_unavailable(err):  # PostgreSQL restarting, SQLite busy: the next pass tries again
                log.warning("database unavailable, job postponed", extra={"job": job.name, "error": str(err)[:200]})
            else:
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
