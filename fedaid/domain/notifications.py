"""Notifications shown to members: listing, unread count, marking read, and telling admins of sign-ups."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q, Subquery

from fedaid.domain.paging import Page, fetch_page
from fedaid.domain.visibility import Viewer, visible_to
from fedaid.models import Account, AccountRole, AccountState, Actor, Notification, NotificationKind, Post, Proposal


async def list_notifications(actor: Actor, *, limit: int = 50) -> list[Notification]:
    return await (
        Notification.filter(recipient=actor).order_by("-id").limit(limit).prefetch_related("from_actor", "post")
    )


async def page_of_notifications(
    viewer: Viewer,
    page: Page,
    *,
    kinds: Collection[str] | None = None,
    excluded_kinds: Collection[str] = (),
    from_actor_id: int | None = None,
) -> list[Notification]:
    """The member's notifications on one page, newest first, with `from_actor` and `post__author` loaded.

    A notification about a post the member may no longer see is left out (a deleted post's stays, shown empty).
    """
    assert viewer.actor is not None
    query = Notification.filter(recipient_id=viewer.actor.id, from_actor_id__isnull=False).filter(
        Q(post_id__isnull=True)
        | Q(post__deleted_at__isnull=False)
        | Q(post_id__in=Subquery(Post.filter(visible_to(viewer)).values("id")))
    )
    if kinds is not None:
        query = query.filter(kind__in=sorted(kinds))
    if excluded_kinds:
        query = query.exclude(kind__in=sorted(excluded_kinds))
    if from_actor_id is not None:
        query = query.filter(from_actor_id=from_actor_id)
    return await fetch_page(query.select_related("from_actor", "post__author"), page)


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


@dataclass(frozen=True)
class NotificationStory:
    """What a notification tells, ready for a mail, a push or a page: who, what kind, about which proposal."""

    id: int
    kind: str
    who: str
    from_actor_id: int | None
    proposal_title: str
    post_id: int | None
    created_at: datetime


async def tell_notifications(ids: list[int]) -> list[NotificationStory]:
    """The stories of these notifications, oldest first; those deleted meanwhile are left out."""
    notifications = await Notification.filter(id__in=ids).order_by("id").prefetch_related("from_actor", "post")
    stories = []
    for notification in notifications:
        actor, post = notification.from_actor, notification.post
        stories.append(
            NotificationStory(
                id=notification.id,
                kind=str(notification.kind),
                who=(actor.name or actor.username) if actor else "",
                from_actor_id=actor.id if actor else None,
                proposal_title=await _proposal_title(post) if post else "",
                post_id=post.id if post else None,
                created_at=notification.created_at,
            )
        )
    return stories


async def _proposal_title(post: Post) -> str:
    """The title of the proposal this post is, or answers."""
    for post_id in (post.id, post.in_reply_to_id):
        if post_id is not None:
            title = await Proposal.filter(post_id=post_id).first().values_list("title", flat=True)
            if title:
                return str(title)
    return ""
