"""Forgotten passwords: a one-time link by mail (valid an hour), or from the command line when there is no mail.

Asking for a link answers the same whether the address has an account or not, and is rate limited per client
and per address typed. Setting a password through a link (or the command line) ends every session and app
token of the account, as a password change does.
"""

from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from fedaid.clock import utcnow
from fedaid.domain import limits
from fedaid.domain.account_tokens import check_token, issue_token, mail_link, use_token
from fedaid.domain.members import get_member
from fedaid.domain.passwords import hash_password
from fedaid.domain.sign_ins import end_everything
from fedaid.models import Account, AccountState, TokenPurpose

RESET = TokenPurpose.RESET_PASSWORD


async def request_password_reset(
    email: str, *, client: str, secret_key: str, is_mail_enabled: bool, now: datetime | None = None
) -> None:
    """Mail a reset link if `email` belongs to an approved account; nothing tells the caller whether it did.

    The mail job expires with the link: a mail that could not be sent within the hour is not sent at all.
    """
    now = now or utcnow()
    typed = email.strip().lower()[:320]
    await limits.take(limits.RESET_BY_CLIENT, client)
    await limits.take(limits.RESET_BY_EMAIL, typed)
    if not is_mail_enabled:
        return
    account = await Account.get_or_none(email=typed, state=AccountState.APPROVED)
    if account is None:
        return
    await mail_link(account, RESET, "reset", secret_key=secret_key, now=now)


async def check_reset_link(token: str) -> Account:
    """The account a live reset link is for; NotFound or Gone (used, expired) with the reason."""
    return (await check_token(token, RESET)).account


async def reset_password(token: str, password: str) -> Account:
    """Set the password through a reset link, which then works no more; the mailbox is proven, so the address
    counts as confirmed. Every session and app token of the account ends."""
    await check_token(token, RESET)
    password_hash = await hash_password(password)  # a too short password does not spend the link
    async with in_transaction():
        account = await use_token(token, RESET)
        account.password_hash, account.email_confirmed = password_hash, True
        await account.save(update_fields=["password_hash", "email_confirmed"])
        await end_everything(account)
    return account


async def reset_link_for(username: str, base_url: str) -> str:
    """A reset link for a member, for an admin to hand over when the instance sends no mail (valid an hour)."""
    member = await get_member(username)
    token, _ = await issue_token(member.account, RESET)
    return f"{base_url}/reset/{token}"


async def set_password(username: str, password: str) -> Account:
    """Set a member's password from the command line; their sessions and app tokens end."""
    member = await get_member(username)
    member.account.password_hash = await hash_password(password)
    async with in_transaction():
        await member.account.save(update_fields=["password_hash"])
        await end_everything(member.account)
    return member.account
