"""The durable queue of mails and pushes to members: queue a job, claim due ones, record what happened.

Claiming and retrying are the deliveries' own (`storage.claims`, `domain.retries`); only what a job is differs.
Nothing here sends anything: `outbound/` does, and reports each attempt's outcome to `record_outcome`.
"""

from __future__ import annotations

import logging
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from fedaid.domain.retries import MAX_ATTEMPTS, Step, retry_delay
from fedaid.models import Account, JobChannel, JobState, Notification, OutboundJob, PushSubscription
from fedaid.storage.claims import claim_due

log = logging.getLogger("fedaid.jobs")


@dataclass
class Outcome:
    """One attempt at a job: `step` says what comes next; `retry_after` is a server's wish, if it said one."""

    step: Step
    status: int | None = None
    error: str = ""
    retry_after: str | None = None


async def queue_job(
    channel: JobChannel,
    account: Account,
    template: str,
    *,
    dedupe_key: str,
    now: datetime,
    data: dict[str, Any] | None = None,
    notification: Notification | None = None,
    subscription: PushSubscription | None = None,
    expires_at: datetime | None = None,
) -> OutboundJob | None:
    """Queue one mail or push unless a job with `dedupe_key` exists; None when it did."""
    if await OutboundJob.filter(dedupe_key=dedupe_key).exists():
        return None
    message_id = await _message_id(account) if channel is JobChannel.MAIL else ""
    return await OutboundJob.create(
        channel=channel,
        account=account,
        template=template,
        data=data or {},
        dedupe_key=dedupe_key,
        message_id=message_id,
        notification=notification,
        push_subscription=subscription,
        next_attempt_at=now,
        expires_at=expires_at,
    )


async def _message_id(account: Account) -> str:
    """A Message-ID fixed when the mail is queued, so a mail sent again after a crash shows once (RFC 5322 3.6.4)."""
    ap_id = await Account.filter(id=account.id).first().values_list("actor__ap_id", flat=True)
    host = urlsplit(str(ap_id)).hostname or "localhost"
    return f"<{uuid.uuid4().hex}@{host}>"


async def claim_jobs(now: datetime, lease: timedelta, limit: int) -> list[OutboundJob]:
    """Due jobs no other worker holds, leased to this one, with their account loaded."""
    due = OutboundJob.filter(state=JobState.PENDING, next_attempt_at__lte=now)
    jobs = await claim_due(due, now, lease, limit)
    if jobs:
        await OutboundJob.fetch_for_list(jobs, "account", "push_subscription")
    return jobs


def has_expired(job: OutboundJob, now: datetime) -> bool:
    """A job past its moment (a reset link's hour) is not sent at all."""
    return job.expires_at is not None and now >= job.expires_at


async def drop_expired(job: OutboundJob) -> None:
    """Set aside a job past its moment, unsent (see `has_expired`)."""
    await OutboundJob.filter(id=job.id).update(
        state=JobState.GONE, claimed_until=None, last_error="expired before it could be sent"
    )


async def record_outcome(job: OutboundJob, outcome: Outcome, now: datetime, rng: random.Random) -> None:
    """Finish, forget or reschedule `job` after one attempt, with the deliveries' backoff."""
    attempts = job.attempts + 1
    fields: dict[str, Any] = {
        "attempts": attempts,
        "last_status": outcome.status,
        "last_error": outcome.error[:2000],
        "claimed_until": None,
    }
    match outcome.step:
        case Step.DONE:
            fields.update(state=JobState.DONE, done_at=now, last_error="")
        case Step.FORGET_RECIPIENT:
            fields.update(state=JobState.GONE)
            if job.push_subscription_id is not None:
                # The push service says the subscription is gone (RFC 8030 7.3): Mastodon deletes it too.
                await PushSubscription.filter(id=job.push_subscription_id).delete()
        case Step.GIVE_UP:
            fields.update(state=JobState.GIVEN_UP)
        case Step.RETRY:
            next_at = now + retry_delay(attempts, outcome.retry_after, now, rng)
            if attempts >= MAX_ATTEMPTS or (job.expires_at is not None and next_at >= job.expires_at):
                fields.update(state=JobState.GIVEN_UP, last_error=f"{outcome.error} (no retry: {attempts} attempts)")
            else:
                fields.update(next_attempt_at=next_at)
    await OutboundJob.filter(id=job.id).update(**fields)
    level = logging.DEBUG if outcome.step is Step.DONE else logging.INFO
    log.log(
        level,
        "outbound job attempted",
        extra={"job_id": job.id, "channel": job.channel, "step": outcome.step.value, "error": outcome.error},
    )


async def release(jobs: list[OutboundJob]) -> None:
    """Give back claimed jobs this pass did not attempt."""
    if jobs:
        await OutboundJob.filter(id__in=[job.id for job in jobs]).update(claimed_until=None)
