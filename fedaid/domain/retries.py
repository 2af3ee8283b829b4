"""When an outbound queue retries: one outcome rule and one backoff for deliveries, mail and push jobs.

Pure: no database, no network.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import Enum

MAX_ATTEMPTS = 16  # Mastodon: Sidekiq `retry: 16`, about 3 days
MAX_RETRY_AFTER = timedelta(days=3)  # a Retry-After further away than the whole retry window is capped


class Step(Enum):
    DONE = "done"
    FORGET_RECIPIENT = "forget_recipient"
    RETRY = "retry"
    GIVE_UP = "give_up"


def next_step(status: int | None) -> Step:
    """What to do with a queued HTTP send after one attempt; None means no HTTP answer."""
    if status is not None and 200 <= status < 300:
        return Step.DONE
    if status == 410:
        return Step.FORGET_RECIPIENT  # the recipient is gone: a delivery forgets the inbox, a push its subscription
    if status == 501:
        return Step.GIVE_UP  # Mastodon: Not Implemented will fail the same way again
    if status is None or status >= 500 or status in (401, 408, 429):
        return Step.RETRY  # temporary, or a stale copy of our key (401); honour Retry-After
    return Step.GIVE_UP  # any other 4xx will fail the same way again


def retry_delay(attempt: int, retry_after: str | None, now: datetime, rng: random.Random) -> timedelta:
    """How long to wait after failed attempt number `attempt` (1-based): Mastodon's backoff or Retry-After."""
    delay = timedelta(seconds=attempt**4 + 15 + rng.random() * 0.5 * attempt**4)
    asked = parse_retry_after(retry_after, now)
    if asked is not None and asked > delay:
        delay = max(delay, min(asked, MAX_RETRY_AFTER))
    return delay


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """A `Retry-After` header (delay in seconds, or an HTTP date) as a delay from `now`; None if unusable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(moment - now, timedelta(0))
