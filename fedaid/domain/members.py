"""Members of the collective: accounts bound to Person actors, and invitations (`leaving` closes accounts)."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from tortoise.transactions import in_transaction

from fedaid.clock import utcnow
from fedaid.domain.actors import create_local_actor, get_local_actor
from fedaid.domain.passwords import hash_password
from fedaid.errors import Conflict, Gone, InvalidInput, NotFound
from fedaid.models import Account, AccountRole, AccountState, Actor, ActorType, Invite

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
INVITE_LIFETIME = timedelta(days=7)


@dataclass(frozen=True)
class Member:
    actor: Actor
    account: Account


def check_email(email: str) -> str:
    email = email.strip().lower()
    if not EMAIL_PATTERN.match(email) or len(email) > 320:
        raise InvalidInput("Enter an email address like name@example.org.")
    return email


async def add_member(
    base_url: str,
    username: str,
    *,
    email: str,
    password: str,
    role: AccountRole = AccountRole.MEMBER,
    state: AccountState = AccountState.APPROVED,
    locale: str = "fr",
    display_name: str = "",
    sign_up_reason: str = "",
    email_confirmed: bool = True,
) -> Member:
    """Create a member's Person actor and account in one transaction; `email_confirmed=False` when the address
    must be confirmed through a mailed link first."""
    email = check_email(email)
    password_hash = await hash_password(password)
    if await Account.filter(email=email).exists():
        raise Conflict("This email address already has an account here.")
    async with in_transaction():
        actor = await create_local_actor(base_url, type=ActorType.PERSON, username=username, name=display_name)
        account = await Account.create(
            actor=actor,
            email=email,
            password_hash=password_hash,
            role=role,
            state=state,
            locale=locale,
            sign_up_reason=sign_up_reason,
            email_confirmed=email_confirmed,
        )
    return Member(actor, account)


async def list_members() -> list[Member]:
    accounts = await Account.filter(actor__deleted_at__isnull=True).select_related("actor").order_by("id")
    return [Member(account.actor, account) for account in accounts]


async def get_member(username: str) -> Member:
    actor = await get_local_actor(username, types=(ActorType.PERSON,))
    if actor.is_deleted:
        raise Gone(f"{username} has left this instance.")
    account = await Account.get_or_none(actor=actor)
    if account is None:
        raise NotFound(f"There is no member {username!r} here.")
    return Member(actor, account)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_invite(
    role: AccountRole = AccountRole.MEMBER, *, created_by: Account | None = None, lifetime: timedelta = INVITE_LIFETIME
) -> str:
    """A one-time sign-up token; only its hash is stored, so show it now or never."""
    token = secrets.token_urlsafe(24)
    await Invite.create(token_hash=_hash_token(token), role=role, created_by=created_by, expires_at=utcnow() + lifetime)
    return token


async def find_invite(token: str) -> Invite | None:
    """The unused, unexpired invite for `token`, or None."""
    invite = await Invite.get_or_none(token_hash=_hash_token(token), used_at__isnull=True)
    if invite is None or (invite.expires_at and invite.expires_at < utcnow()):
        return None
    return invite


async def redeem_invite(
    base_url: str,
    token: str,
    username: str,
    *,
    email: str,
    password: str,
    locale: str = "fr",
    email_confirmed: bool = True,
) -> Member:
    """Sign up with an invite; the invite's role is given and the invite cannot be used again."""
    invite = await find_invite(token)
    if invite is None:
        raise InvalidInput("This invitation link is not valid any more: ask an admin for a new one.")
    async with in_transaction():
        claimed = await Invite.filter(id=invite.id, used_at__isnull=True).update(used_at=utcnow())
        if not claimed:
            raise Conflict("This invitation link has just been used.")
        return await add_member(
            base_url,
            username,
            email=email,
            password=password,
            role=invite.role,
            locale=locale,
            email_confirmed=email_confirmed,
        )
