"""Rate limits every process shares (they live in the database): password checks, resets, sign-ups, app registrations.

Password checks slow down rather than lock out. Each check counts in two buckets, the client's address and the
account (or the name typed, when there is no such account): one password tried against many names is slowed by
the first, one name tried from many addresses by the second. After a few free attempts each further one doubles
the wait, up to a ceiling; a success gives its attempt back. An address that signed in to an account before is
not held back by that account's bucket, so nobody can keep a member out by failing on purpose from elsewhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fedaid.clock import utcnow
from fedaid.errors import TooManyRequests
from fedaid.models import RateLimit
from fedaid.storage.rate_limits import give_back_attempt, take_attempt

MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0


@dataclass(frozen=True)
class Limit:
    """How one kind of attempt is limited: `free` attempts at once, then waits from `first_wait` doubling to
    `longest_wait`; after `forget_after` seconds without an attempt the count starts again."""

    name: str
    free: int
    first_wait: float
    longest_wait: float
    forget_after: float
    message: str


PASSWORD_BY_ADDRESS = Limit(
    "password-address", 20, 1.0, 15 * MINUTE, HOUR, "Too many wrong passwords from your address. Wait, then try again."
)
PASSWORD_BY_ACCOUNT = Limit(
    "password-account", 5, 2.0, 5 * MINUTE, HOUR, "Too many wrong passwords for this account. Wait, then try again."
)
# An address that once signed in to an account stays known to it for this long.
KNOWN_ADDRESS = Limit("password-known", 1, 0.0, 0.0, 90 * DAY, "")
# Mastodon allows 5 app registrations per address in 5 minutes (config/initializers/rack_attack.rb).
APP_REGISTRATION = Limit(
    "app-registration", 5, 5 * MINUTE, 5 * MINUTE, 5 * MINUTE, "Too many apps registered from your address."
)
# Reset mails: per address asking, and per address typed, so nobody floods a member's mailbox. Both count
# whether or not the address has an account, so the answer tells nothing either way.
RESET_BY_CLIENT = Limit(
    "reset-client", 5, 5 * MINUTE, HOUR, HOUR, "Too many reset requests from your address. Try again later."
)
RESET_BY_EMAIL = Limit(
    "reset-email", 3, 15 * MINUTE, HOUR, HOUR, "A reset link was sent to this address a moment ago: look for it."
)
SIGN_UP = Limit("sign-up", 10, HOUR, HOUR, HOUR, "Too many sign-ups from your address. Try again in an hour.")


async def take(limit: Limit, key: str) -> None:
    """Count one attempt of `limit` for `key`, or raise TooManyRequests (429) saying how long to wait."""
    wait = await take_attempt(
        _bucket(limit, key),
        utcnow().timestamp(),
        free=limit.free,
        first_wait=limit.first_wait,
        longest_wait=limit.longest_wait,
        forget_after=limit.forget_after,
    )
    if wait > 0:
        raise TooManyRequests(limit.message, retry_after=math.ceil(wait))


async def give_back(limit: Limit, key: str) -> None:
    """The attempt succeeded: it no longer counts against `key`."""
    await give_back_attempt(_bucket(limit, key), free=limit.free)


async def before_password_check(address: str, subject: str) -> None:
    """Count a password check from `address` for `subject` (an account id, or the name typed), or raise 429."""
    await take(PASSWORD_BY_ADDRESS, address)
    if await _is_known(address, subject):
        return
    try:
        await take(PASSWORD_BY_ACCOUNT, subject)
    except TooManyRequests:
        await give_back(PASSWORD_BY_ADDRESS, address)
        raise


async def after_password_check(address: str, subject: str, *, matched: bool) -> None:
    """A right password gives its attempts back and makes `address` known to `subject`; a wrong one keeps counting."""
    if not matched:
        return
    await give_back(PASSWORD_BY_ADDRESS, address)
    await RateLimit.filter(bucket=_bucket(PASSWORD_BY_ACCOUNT, subject)).delete()
    await take(KNOWN_ADDRESS, _known_key(address, subject))


async def _is_known(address: str, subject: str) -> bool:
    bucket = _bucket(KNOWN_ADDRESS, _known_key(address, subject))
    return await RateLimit.filter(bucket=bucket, resets_at__gt=utcnow().timestamp()).exists()


def _known_key(address: str, subject: str) -> str:
    return f"{subject} {address}"


def _bucket(limit: Limit, key: str) -> str:
    return f"{limit.name}:{key}"[:255]
