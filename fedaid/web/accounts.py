"""Account reads and small changes the pages need that `domain.members` does not offer yet.

TODO(#6): move these into `fedaid/domain/members.py` once its owner agrees; they are plain ORM
calls with the same rules the domain uses (no HTTP here).
"""

from __future__ import annotations

import secrets
from functools import cache

from fedaid.domain.actors import USERNAME_PATTERN
from fedaid.domain.passwords import check_password, hash_password
from fedaid.errors import Forbidden, InvalidInput, NotFound
from fedaid.models import (
    Account, AccountRole, AccountState, Actor, ActorType, AlertSubscription, Notification, NotificationKind,
    ProposalPurpose,
)
from fedaid.web.i18n import LANGUAGES

MAX_ALERTS = 20


async def find_account_by_login(login: str) -> Account | None:
    """The account whose username or email is `login` (case-insensitive), or None."""
    login = login.strip().lower()
    if "@" in login:
        return await Account.get_or_none(email=login).select_related("actor")
    if not USERNAME_PATTERN.match(login):
        return None
    return await Account.get_or_none(actor__username=login, actor__is_local=True).select_related("actor")


async def authenticate(login: str, password: str) -> Account | None:
    """The account for these credentials, or None; the password is checked even for unknown names."""
    account = await find_account_by_login(login)
    if account is None:
        check_password(_dummy_hash(), password)  # same work either way: no timing hint that a name exists
        return None
    return account if check_password(account.password_hash, password) else None


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


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
    return account


async def set_account_role(account: Account, role: AccountRole, *, by: Account) -> Account:
    """Change a role; the last admin cannot stop being one."""
    if account.role == AccountRole.ADMIN and role != AccountRole.ADMIN:
        if await Account.filter(role=AccountRole.ADMIN, state=AccountState.APPROVED).count() <= 1:
            raise Forbidden("The collective needs at least one admin.")
    account.role = role
    await account.save(update_fields=["role"])
    return account


async def set_locale(account: Account, language: str) -> None:
    if language not in LANGUAGES:
        raise InvalidInput("Choose one of the options.")
    account.locale = language
    await account.save(update_fields=["locale"])


async def update_profile(actor: Actor, *, name: str, summary: str) -> Actor:
    """A member's display name and plain-text presentation (stored as escaped paragraphs)."""
    actor.name = name or actor.username
    actor.summary = text_to_html(summary)
    await actor.save(update_fields=["name", "summary"])
    return actor


def text_to_html(text: str) -> str:
    """Plain text as HTML paragraphs, every character escaped."""
    from markupsafe import escape

    paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join(f"<p>{escape(p)}</p>".replace("\n", "<br>") for p in paragraphs)


def html_to_text(html: str) -> str:
    """The reverse of `text_to_html`, for edit forms."""
    import html as html_module
    import re

    text = re.sub(r"<br\s*/?>", "\n", html or "")
    text = re.sub(r"</p>\s*<p>", "\n\n", text)
    text = re.sub(r"<[^>]+>", "", text)
    return html_module.unescape(text).strip()


async def notify_admins_of_sign_up(actor: Actor) -> None:
    """Tell every admin that someone waits for approval."""
    admins = await Account.filter(role=AccountRole.ADMIN, state=AccountState.APPROVED).values_list("actor_id",
                                                                                                    flat=True)
    for admin_actor_id in admins:
        await Notification.create(recipient_id=admin_actor_id, kind=NotificationKind.ADMIN_SIGN_UP,
                                  from_actor=actor)


async def count_members() -> int:
    return await Account.filter(state=AccountState.APPROVED, actor__deleted_at__isnull=True,
                                actor__type=ActorType.PERSON).count()


# ---------------------------------------------------------------- alerts and notifications


async def list_alerts(actor: Actor) -> list[AlertSubscription]:
    return await AlertSubscription.filter(actor=actor).order_by("id")


async def add_alert(actor: Actor, *, purpose: str, category: str, tag: str, place_name: str) -> AlertSubscription:
    """A standing wish to hear about new proposals; at least one criterion, at most 20 alerts."""
    if not (category or tag or place_name):
        raise InvalidInput("Choose a category, a tag or a place.")
    if await AlertSubscription.filter(actor=actor).count() >= MAX_ALERTS:
        raise InvalidInput("You have too many alerts; remove one first.")
    return await AlertSubscription.create(actor=actor, purpose=ProposalPurpose(purpose) if purpose else None,
                                          category=category, tag=tag, place_name=place_name)


async def remove_alert(actor: Actor, alert_id: int) -> None:
    await AlertSubscription.filter(actor=actor, id=alert_id).delete()


async def list_notifications(actor: Actor, *, limit: int = 50) -> list[Notification]:
    return await (Notification.filter(recipient=actor).order_by("-id").limit(limit)
                  .prefetch_related("from_actor", "post"))


async def count_unread(actor: Actor) -> int:
    return await Notification.filter(recipient=actor, is_read=False).count()


async def mark_all_read(actor: Actor) -> None:
    await Notification.filter(recipient=actor, is_read=False).update(is_read=True)
