"""Notifications shown to members: listing, unread count, marking read, and telling admins of sign-ups."""

from __future__ import annotations

from fedaid.models import Account, AccountRole, AccountState, Actor, Notification, NotificationKind


async def list_notifications(actor: Actor, *, limit: int = 50) -> list[Notification]:
    return await (
        Notification.filter(recipient=actor).order_by("-id").limit(limit).prefetch_related("from_actor", "post")
    )


async def count_unread(actor: Actor) -> int:
    return await Notification.filter(recipient=actor, is_read=False).count()


async def mark_all_read(actor: Actor) -> None:
    await Notification.filter(recipient=actor, is_read=False).update(is_read=True)


async def notify_admins_of_sign_up(actor: Actor) -> None:
    """Tell every admin that someone waits for approval."""
    admins = await Account.filter(role=AccountRole.ADMIN, state=AccountState.APPROVED).values_list(
        "actor_id", flat=True
    )
    for admin_actor_id in admins:
        await Notification.create(recipient_id=admin_actor_id, kind=NotificationKind.ADMIN_SIGN_UP, from_actor=actor)
