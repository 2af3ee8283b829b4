"""Members' accounts: signing in, passwords, availability of names, admin changes of state and role, profile,
language."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from fedaid.activitypub.activities import render_update_actor
from fedaid.domain import limits, paragraphs
from fedaid.domain.actors import USERNAME_PATTERN, display_name
from fedaid.domain.passwords import check_password, hash_password
from fedaid.domain.publish import followers_of, publish
from fedaid.domain.sign_ins import end_everything
from fedaid.errors import Forbidden, NotFound
from fedaid.models import Account, AccountRole, AccountState, Actor


async def find_account_by_login(login: str) -> Account | None:
    """The account whose username or email is `login` (case-insensitive), or None."""
    login = login.strip().lower()
    if "@" in login:
        return await Account.get_or_none(email=login).select_related("actor")
    if not USERNAME_PATTERN.match(login):
        return None
    return await Account.get_or_none(actor__username=login, actor__is_local=True).select_related("actor")


async def authenticate(login: str, password: str, *, address: str) -> Account | None:
    """The account for these credentials, or None; unknown names take as long to refuse as wrong passwords.

    Every check counts for the client's `address` and for the account (`limits`): TooManyRequests (429) when
    either has failed too often lately.
    """
    account = await find_account_by_login(login)
    subject = _password_subject(account, login)
    await limits.before_password_check(address, subject)
    matches = await check_password(account.password_hash if account else None, password)
    await limits.after_password_check(address, subject, matched=matches)
    return account if matches else None


def _password_subject(account: Account | None, login: str) -> str:
    """What the per-account limit counts: the account, however it is named, else the name typed."""
    return f"account {account.id}" if account is not None else f"login {login.strip().lower()}"


async def find_account_of(actor: Actor) -> Account | None:
    """The account of a local actor, or None (a remote actor, the instance actor, a collective)."""
    return await Account.get_or_none(actor_id=actor.id)


async def username_taken(username: str) -> bool:
    return await Actor.filter(username=username, is_local=True).exists()


async def email_taken(email: str) -> bool:
    return await Account.filter(email=email.strip().lower()).exists()


async def get_account(account_id: int) -> Account:
    account = await Account.get_or_none(id=account_id).select_related("actor")
    if account is None:
        raise NotFound("There is no such account.")
    return account


async def list_accounts(state: AccountState | None = None) -> list[Account]:
    query = Account.filter(actor__deleted_at__isnull=True).select_related("actor").order_by("-id")
    if state is not None:
        query = query.filter(state=state)
    return await query


async def set_account_state(account: Account, state: AccountState, *, by: Account) -> Account:
    """Approve, suspend or reinstate an account; nobody suspends themselves."""
    if account.id == by.id and state != AccountState.APPROVED:
        raise Forbidden("You cannot suspend your own account.")
    account.state = state
    await account.save(update_fields=["state"])
    if state == AccountState.SUSPENDED:
        await end_everything(account)  # reinstating later does not bring old sessions or tokens back
    return account


async def set_account_role(account: Account, role: AccountRole, *, by: Account) -> Account:
    """Change a role; the last admin cannot stop being one."""
    if account.role == AccountRole.ADMIN and role != AccountRole.ADMIN:
        if await Account.filter(role=AccountRole.ADMIN, state=AccountState.APPROVED).count() <= 1:
            raise Forbidden("The collective needs at least one admin.")
    account.role = role
    await account.save(update_fields=["role"])
    return account


async def change_password(account: Account, current: str, new: str, *, address: str) -> None:
    """Replace the password once the current one is given; every browser session and app token of the
    account ends (the caller starts a fresh session for the browser that made the change). The check of the
    current password is limited like a sign-in (429 when the address or the account failed too often)."""
    subject = _password_subject(account, "")
    await limits.before_password_check(address, subject)
    matches = await check_password(account.password_hash, current)
    await limits.after_password_check(address, subject, matched=matches)
    if not matches:
        raise Forbidden("The current password is wrong.")
    account.password_hash = await hash_password(new)
    await account.save(update_fields=["password_hash"])
    await end_everything(account)


async def set_locale(account: Account, language: str) -> None:
    """The language of the member's pages; the caller checks it is one the instance speaks."""
    account.locale = language
    await account.save(update_fields=["locale"])


async def update_profile(
    actor: Actor,
    *,
    name: str | None = None,
    summary: str | None = None,
    locked: bool | None = None,
    discoverable: bool | None = None,
) -> Actor:
    """Change what a member shows of themselves: display name, plain-text presentation (stored as escaped
    paragraphs), whether follows need approval, whether they are listed; their followers elsewhere get an
    Update of the actor in the same transaction."""
    changes: dict[str, object] = {}
    if name is not None:
        changes["name"] = display_name(name, actor.username)
    if summary is not None:
        changes["summary"] = paragraphs.to_html(summary)
    if locked is not None:
        changes["manually_approves_followers"] = locked
    if discoverable is not None:
        changes["discoverable"] = discoverable
    if changes:
        await save_and_announce(actor, changes)
    return actor


async def save_and_announce(actor: Actor, changes: dict[str, object]) -> None:
    """Save a local actor's changed fields and queue Update(Person) or Update(Group) for its followers
    elsewhere, as Mastodon does on a profile change (ActivityPub::UpdateDistributionWorker)."""
    for field, value in changes.items():
        setattr(actor, field, value)
    async with in_transaction():
        await actor.save(update_fields=list(changes))
        await publish(render_update_actor(actor), sender=actor, to=await followers_of(actor))


async def rename(actor: Actor, name: str) -> Actor:
    """A member's display name alone (`display_name` cleans it); followers elsewhere hear of it."""
    await save_and_announce(actor, {"name": display_name(name, actor.username)})
    return actor
