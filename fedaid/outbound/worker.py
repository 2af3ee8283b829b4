"""The outbound worker: turn new notifications into jobs, then claim due mail and push jobs and send them.

    notifications (not dispatched) ──► dispatch ──► OutboundJob(pending) ──► claim (lease, as deliveries)
    accounts due a digest ──────────► digest  ──┘                               │
                                                 mail: SMTP ◄── channel ────────┤
                                                 push: Web Push (fetcher)  ◄────┘
      done / gone (410: subscription deleted) / given up / retry with the deliveries' backoff

A worker killed mid-send leaves its claimed jobs to the next claim after the lease; a mail sent twice keeps
its Message-ID and a push its notification id, so the member sees it once.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Protocol

from fedaid.clock import utcnow
from fedaid.domain.dispatch import dispatch_notifications, queue_digests
from fedaid.domain.jobs import Outcome, claim_jobs, drop_expired, has_expired, record_outcome, release
from fedaid.domain.retries import Step
from fedaid.models import JobChannel, OutboundJob

log = logging.getLogger("fedaid.outbound")

DIGEST_CHECK_EVERY = timedelta(minutes=5)


class Sender(Protocol):
    async def send(self, job: OutboundJob, now: datetime) -> Outcome: ...


class OutboundWorker:
    """One pass (`run_once`) dispatches, queues digests when due, and sends due jobs concurrently."""

    def __init__(
        self,
        senders: dict[JobChannel, Sender],
        *,
        lease: timedelta = timedelta(minutes=2),
        batch_size: int = 50,
        concurrency: int = 8,
        clock: Callable[[], datetime] = utcnow,
        rng: random.Random | None = None,
    ) -> None:
        self._senders = senders
        self._lease = lease
        self._batch_size = batch_size
        self._concurrency = asyncio.Semaphore(concurrency)
        self._clock = clock
        self._rng = rng or random.Random()
        self._digests_checked_at: datetime | None = None

    @property
    def is_mail_enabled(self) -> bool:
        return JobChannel.MAIL in self._senders

    async def run_once(self) -> int:
        """Returns how much was done: notifications dispatched, digests queued and jobs attempted."""
        now = self._clock()
        done = await dispatch_notifications(now, mail_enabled=self.is_mail_enabled)
        if self._digests_checked_at is None or now - self._digests_checked_at >= DIGEST_CHECK_EVERY:
            self._digests_checked_at = now
            done += await queue_digests(now, mail_enabled=self.is_mail_enabled)
        return done + await self.send_due(now)

    async def send_due(self, now: datetime) -> int:
        jobs = await claim_jobs(now, self._lease, self._batch_size)
        unsendable = [job for job in jobs if job.channel not in self._senders]
        await release(unsendable)  # mail turned off since they were queued: kept for when it is back
        sendable = [job for job in jobs if job.channel in self._senders]
        await asyncio.gather(*(self._attempt(job, now) for job in sendable))
        return len(sendable)

    async def _attempt(self, job: OutboundJob, now: datetime) -> None:
        if has_expired(job, now):
            await drop_expired(job)
            return
        async with self._concurrency:
            outcome = await _guarded(self._senders[job.channel].send(job, now), job)
        await record_outcome(job, outcome, self._clock(), self._rng)


async def _guarded(sending: Awaitable[Outcome], job: OutboundJob) -> Outcome:
    try:
        return await sending
    except Exception as err:  # the worker's loop boundary: the error is kept on the job, which is retried
        log.exception("outbound job crashed", extra={"job_id": job.id, "channel": job.channel})
        return Outcome(Step.RETRY, error=f"internal error: {err.__class__.__name__}")
