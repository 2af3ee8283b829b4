"""Joining the collective: the registration mode in force, applications waiting for an admin, and the
confirmation of a new member's address.

The mode an admin chose on the web is kept on the collective's page row and wins over the configured default;
`registration_mode` is the one place that reads it. Decisions and confirmation links reach the applicant by
mail, in their language, through the job queue.
"""

from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from fedaid.clock import utcnow
from fedaid.domain.account_tokens import mail_link, use_token
from fedaid.domain.jobs import queue_job
from fedaid.domain.notifications import notify_admins_of_sign_up
from fedaid.errors import Conflict, InvalidInput
from fedaid.models import Account, AccountState, Actor, ActorType, CollectivePage, JobChannel, TokenPurpose

REGISTRATION_MODES = ("open", "approval", "invite")
MAX_REASON = 1000


async def registration_mode(collective_slug: str, default: str) -> str:
    """How people join now: the mode an admin set on the web, else `default` (FEDAID_REGISTRATION_MODE)."""
    stored = await CollectivePage.filter(
        collective__username=collective_slug, collective__is_local=True, collective__type=ActorType.GROUP
    ).values_list("registration_mode", flat=True)
    chosen = next((str(mode) for mode in stored if mode in REGISTRATION_MODES), "")
    return chosen or default


async def set_registration_mode(collective: Actor, mode: str) -> None:
    """Keep the mode an admin chose; it holds over the configured default from now on."""
    if mode not in REGISTRATION_MODES:
        raise InvalidInput("Choose open, approval or invite.")
    page, _ = await CollectivePage.get_or_create(collective=collective)
    page.registration_mode = mode
    await page.save(update_fields=["registration_mode", "updated_at"])


def checked_reason(reason: str) -> str:
    """What an applicant wrote to the admins, trimmed; approval mode asks for it."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("Say in a few words why you want to join.")
    return reason[:MAX_REASON]


async def send_confirmation(account: Account, *, secret_key: str, now: datetime | None = None) -> None:
    """Mail a link that confirms the account's address (valid two days); the account cannot sign in before."""
    await mail_link(account, TokenPurpose.CONFIRM_EMAIL, "confirm", secret_key=secret_key, now=now)


async def confirm_email(token: str) -> Account:
    """Mark the address confirmed through its link (once); an applicant waiting for approval is now shown to
    the admins, who are told."""
    async with in_transaction():
        account = await use_token(token, TokenPurpose.CONFIRM_EMAIL)
        account.email_confirmed = True
        await account.save(update_fields=["email_confirmed"])
        if account.state == AccountState.PENDING:
            await notify_admins_of_sign_up(await Actor.get(id=account.actor_id))
    return account


async def decide_application(account: Account, *, approve: bool, is_mail_enabled: bool) -> Account:
    """Approve or refuse someone waiting for approval; they learn the decision by mail in their language.

    A refused account stays suspended (its name stays taken); approving later reinstates it.
    """
    state = AccountState.APPROVED if approve else AccountState.SUSPENDED
    async with in_transaction():
        if not await Account.filter(id=account.id, state=AccountState.PENDING).update(state=state):
            raise Conflict("This person is no longer waiting for approval.")
        account.state = state
        if is_mail_enabled and account.email:
            await queue_job(
                JobChannel.MAIL,
                account,
                "decision",
                dedupe_key=f"mail:decision:{account.id}",
                now=utcnow(),
                data={"approved": "yes" if approve else "no"},
            )
    return account
