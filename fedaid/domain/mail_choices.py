"""What each member wants by mail, per group of notifications: immediately, in a daily digest, or never.

Unsubscribe links carry an HMAC of the account and the group, so they work without signing in.
"""

from __future__ import annotations

import hashlib
import hmac
from enum import StrEnum

from fedaid.errors import InvalidInput, NotFound
from fedaid.models import Account, NotificationKind


class MailChoice(StrEnum):
    IMMEDIATELY = "immediately"
    DAILY = "daily"
    NEVER = "never"


class MailGroup(StrEnum):
    MUTUAL_AID = "mutual_aid"  # responses, agreement steps, exchanges, matches, and kinds added later
    SOCIAL = "social"  # follows, mentions, boosts, favourites
    ADMIN = "admin"  # sign-ups waiting, reports, alliance requests


DEFAULT_CHOICES = {
    MailGroup.MUTUAL_AID: MailChoice.IMMEDIATELY,
    MailGroup.SOCIAL: MailChoice.DAILY,
    MailGroup.ADMIN: MailChoice.IMMEDIATELY,
}
SOCIAL_KINDS = {
    NotificationKind.FOLLOW,
    NotificationKind.FOLLOW_REQUEST,
    NotificationKind.MENTION,
    NotificationKind.REBLOG,
    NotificationKind.FAVOURITE,
}


def group_of(kind: str) -> MailGroup:
    """The mail group of a notification kind; kinds other parts add later count as mutual aid."""
    if kind.startswith("admin."):
        return MailGroup.ADMIN
    if kind in SOCIAL_KINDS:
        return MailGroup.SOCIAL
    return MailGroup.MUTUAL_AID


def choice_for(account: Account, group: MailGroup) -> MailChoice:
    stored = (account.mail_choices or {}).get(group.value)
    return MailChoice(stored) if stored in MailChoice.__members__.values() else DEFAULT_CHOICES[group]


def choices_of(account: Account) -> dict[MailGroup, MailChoice]:
    return {group: choice_for(account, group) for group in MailGroup}


async def set_choice(account: Account, group: str, choice: str) -> None:
    """Store one group's choice; unknown groups or choices are refused."""
    try:
        parsed_group, parsed_choice = MailGroup(group), MailChoice(choice)
    except ValueError as err:
        raise InvalidInput("Unknown mail setting.") from err
    account.mail_choices = {**(account.mail_choices or {}), parsed_group.value: parsed_choice.value}
    await account.save(update_fields=["mail_choices"])


def unsubscribe_token(secret_key: str, account_id: int, groups: str) -> str:
    """The proof in an unsubscribe link for `groups` (comma-separated group names) of one account."""
    message = f"unsubscribe:{account_id}:{groups}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:32]


async def unsubscribe(secret_key: str, account_id: int, groups: str, token: str) -> list[MailGroup]:
    """Turn the link's groups of mails off for the account it was made for; a wrong link is NotFound."""
    account = await Account.get_or_none(id=account_id)
    expected = unsubscribe_token(secret_key, account_id, groups)
    try:
        parsed = [MailGroup(group) for group in groups.split(",")]
    except ValueError:
        parsed = []
    if account is None or not parsed or not hmac.compare_digest(expected, token):
        raise NotFound("This unsubscribe link is not valid.")
    for group in parsed:
        await set_choice(account, group.value, MailChoice.NEVER.value)
    return parsed
