"""One-time links mailed to members: a password reset (valid an hour) or an address confirmation.

The token itself goes into the link only; the table keeps its SHA-256, and the mail job keeps it sealed with
the instance secret until it is sent. Using a token is one conditional update, so it works once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from fedaid.clock import utcnow
from fedaid.domain.jobs import queue_job
from fedaid.domain.sealing import seal, unseal
from fedaid.errors import Gone, NotFound
from fedaid.models import Account, AccountToken, JobChannel, TokenPurpose

LIFETIMES = {TokenPurpose.RESET_PASSWORD: timedelta(hours=1), TokenPurpose.CONFIRM_EMAIL: timedelta(days=2)}
SEAL_PURPOSE = "account link"
MAX_TOKEN_LENGTH = 100


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_token(
    account: Account, purpose: TokenPurpose, *, now: datetime | None = None
) -> tuple[str, AccountToken]:
    """A new one-time token for `account`; returns it (to put in a link now or never) and its row."""
    token = secrets.token_urlsafe(32)
    row = await AccountToken.create(
        account=account,
        purpose=purpose,
        token_hash=_digest(token),
        expires_at=(now or utcnow()) + LIFETIMES[purpose],
    )
    return token, row


async def mail_link(
    account: Account, purpose: TokenPurpose, template: str, *, secret_key: str, now: datetime | None = None
) -> None:
    """Issue a token and queue the mail `template` carrying its link (sealed until sent), both in one
    transaction; the mail job expires with the token, so a link is never mailed after it stopped working."""
    now = now or utcnow()
    async with in_transaction():
        token, row = await issue_token(account, purpose, now=now)
        await queue_job(
            JobChannel.MAIL,
            account,
            template,
            dedupe_key=f"mail:{template}:{row.id}",
            now=now,
            data={"token": sealed(secret_key, token)},
            expires_at=row.expires_at,
        )


async def check_token(token: str, purpose: TokenPurpose, *, now: datetime | None = None) -> AccountToken:
    """The live token row, its account and actor loaded; NotFound for an unknown token, Gone (410) for a used or expired
    one, each saying why."""
    row = None
    if 0 < len(token) <= MAX_TOKEN_LENGTH:
        row = await AccountToken.get_or_none(token_hash=_digest(token), purpose=purpose).select_related(
            "account__actor"
        )
    if row is None:
        raise NotFound("This link is not valid: check that it was copied whole, or ask for a new one.")
    if row.used_at is not None:
        raise Gone("This link was already used: it works once. Ask for a new one if you need it.")
    if row.expires_at <= (now or utcnow()):
        raise Gone("This link has expired. Ask for a new one.")
    return row


async def use_token(token: str, purpose: TokenPurpose, *, now: datetime | None = None) -> Account:
    """Spend the token: its account, once; a second use (even at the same moment) is Gone."""
    now = now or utcnow()
    row = await check_token(token, purpose, now=now)
    claimed = await AccountToken.filter(id=row.id, used_at__isnull=True, expires_at__gt=now).update(used_at=now)
    if not claimed:
        raise Gone("This link was already used: it works once. Ask for a new one if you need it.")
    await AccountToken.filter(account_id=row.account_id, purpose=purpose, used_at__isnull=True).update(used_at=now)
    return row.account


def sealed(secret_key: str, token: str) -> str:
    """The token as a mail job keeps it until the mail is written."""
    return seal(secret_key, token, purpose=SEAL_PURPOSE)


def unsealed(secret_key: str, value: str) -> str:
    return unseal(secret_key, value, purpose=SEAL_PURPOSE)
