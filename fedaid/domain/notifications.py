"""Notifications shown to members: creating them once per event (`notify`), listing, unread count, marking
read, telling admins of sign-ups, and the story each tells (who did what, about which proposal)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from tortoise.expressions import Q, Subquery

from fedaid.clock import utcnow
from fedaid.domain.paging import Page, fetch_page
from fedaid.domain.visibility import Viewer, local_viewer, local_viewers_among, visible_to
from fedaid.models import (
    Account,
    AccountRole,
    AccountState,
    Actor,
    Agreement,
    Notification,
    NotificationKind,
    Post,
    Proposal,
)

# A reply and the agreement offer it carries arrive as two activities, moments apart: one event.
SAME_EVENT = timedelta(minutes=10)


async def notify(
    recipient: Actor,
    kind: NotificationKind,
    *,
    from_actor: Actor | None = None,
    post: Post | None = None,
    agreement: Agreement | None = None,
    action: str = "",
) -> Notification | None:
    """Tell a local member what happened, once per event.

    A reply to the member's own proposal is one "response", not also a "mention"; a reply that offers or
    takes an agreement is one "agreement" notification (whichever of the two activities came first), as long
    as the first one was not mailed or pushed yet. Nobody is notified of their own doing.
    """
    if not recipient.is_local or recipient.is_deleted or (from_actor is not None and from_actor.id == recipient.id):
        return None
    if kind == NotificationKind.MENTION and post is not None and await _answers_proposal_of(post, recipient):
        return None  # the response notification tells it
    if from_actor is not None and kind in (NotificationKind.RESPONSE, NotificationKind.AGREEMENT):
        merged = await _merge_into_same_event(recipient, kind, from_actor, post, agreement, action)
        if merged is not None:
            return merged
    return await Notification.create(
        recipient=recipient, kind=kind, from_actor=from_actor, post=post, agreement=agreement, action=action
    )


async def _answers_proposal_of(post: Post, recipient: Actor) -> bool:
    if post.in_reply_to_id is None:
        return False
    return await Proposal.filter(post_id=post.in_reply_to_id, post__author_id=recipient.id).exists()


async def _merge_into_same_event(
    recipient: Actor,
    kind: NotificationKind,
    from_actor: Actor,
    post: Post | None,
    agreement: Agreement | None,
    action: str,
) -> Notification | None:
    """The undispatched notification of the same reply-and-offer, updated to tell both; else None."""
    recent = Notification.filter(
        recipient_id=recipient.id,
        from_actor_id=from_actor.id,
        dispatched_at__isnull=True,
        created_at__gte=utcnow() - SAME_EVENT,
    )
    if kind == NotificationKind.AGREEMENT and agreement is not None:
        proposal_post = await Proposal.filter(id=agreement.proposal_id).values_list("post_id", flat=True)
        earlier = await (
            recent.filter(kind=NotificationKind.RESPONSE, post__in_reply_to_id=proposal_post[0] if proposal_post else 0)
            .order_by("-id")
            .first()
        )
        if earlier is not None:  # the response becomes the agreement step it carried
            earlier.kind, earlier.agreement_id, earlier.action = NotificationKind.AGREEMENT, agreement.id, action
            await earlier.save(update_fields=["kind", "agreement_id", "action"])
        return earlier
    if kind == NotificationKind.RESPONSE and post is not None and post.in_reply_to_id is not None:
        earlier = await (
            recent.filter(kind=NotificationKind.AGREEMENT, agreement__proposal__post_id=post.in_reply_to_id)
            .order_by("-id")
            .first()
        )
        if earlier is not None:  # the offer came first: it now points at the reply
            earlier.post_id = post.id
            await earlier.save(update_fields=["post_id"])
        return earlier
    return None


async def list_notifications(actor: Actor, *, limit: int = 50) -> list[Notification]:
    """The member's latest notifications, newest first, those about a post they may no longer see left out."""
    query = Notification.filter(_about_what_they_see(local_viewer(actor)), recipient=actor)
    return await query.order_by("-id").limit(limit).prefetch_related("from_actor", "post")


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
    query = Notification.filter(_about_what_they_see(viewer), recipient_id=viewer.actor.id, from_actor_id__isnull=False)
    if kinds is not None:
        query = query.filter(kind__in=sorted(kinds))
    if excluded_kinds:
        query = query.exclude(kind__in=sorted(excluded_kinds))
    if from_actor_id is not None:
        query = query.filter(from_actor_id=from_actor_id)
    return await fetch_page(query.select_related("from_actor", "post__author"), page)


async def find_notification(recipient: Actor, notification_id: int) -> Notification | None:
    """One of `recipient`'s notifications, with `from_actor` and `post__author` loaded; None when it is about a
    post they may no longer see."""
    query = Notification.filter(_about_what_they_see(local_viewer(recipient)), id=notification_id)
    return await query.filter(recipient_id=recipient.id).select_related("from_actor", "post__author").first()


def _about_what_they_see(viewer: Viewer) -> Q:
    """A filter on Notification: about no post, a deleted one (shown empty), or one `viewer` may see."""
    return (
        Q(post_id__isnull=True)
        | Q(post__deleted_at__isnull=False)
        | Q(post_id__in=Subquery(Post.filter(visible_to(viewer)).values("id")))
    )


async def those_their_recipients_see(rows: Sequence[Notification]) -> list[Notification]:
    """Of these notifications (`post` loaded), those the notification lists would show their recipients: about no
    post, a deleted one, or one the recipient may see (for the streaming API, which has many recipients)."""
    posts: dict[int, Post] = {}
    recipients: dict[int, set[int]] = {}
    for row in rows:
        if row.post is not None and not row.post.is_deleted:
            posts[row.post.id] = row.post
            recipients.setdefault(row.post.id, set()).add(row.recipient_id)
    seeing = {post_id: await local_viewers_among(posts[post_id], ids) for post_id, ids in recipients.items()}
    return [row for row in rows if row.post_id not in seeing or row.recipient_id in seeing[row.post_id]]


async def dismiss_notification(notification: Notification) -> None:
    """Delete one notification (its recipient dismissed it)."""
    await notification.delete()


async def clear_notifications(recipient: Actor) -> None:
    """Delete all of `recipient`'s notifications."""
    await Notification.filter(recipient_id=recipient.id).delete()


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
    action: str = ""  # for agreement steps: offered, took, accepted, declined, cancelled
    hours: Decimal | None = None  # the agreement's hours
    sender_gives: bool = False  # whether `who` is the one who gives the hours
    session_id: int | None = None  # for session news, reminders and follow-up prompts: which session
    session_title: str = ""
    session_starts_at: datetime | None = None
    session_timezone: str = ""


async def tell_notifications(ids: list[int]) -> list[NotificationStory]:
    """The stories of these notifications, oldest first; those deleted meanwhile are left out."""
    notifications = await (
        Notification.filter(id__in=ids)
        .order_by("id")
        .prefetch_related("from_actor", "post", "agreement__proposal", "session")
    )
    stories = []
    for notification in notifications:
        actor, post, agreement = notification.from_actor, notification.post, notification.agreement
        session = notification.session
        title = await _proposal_title(post) if post else ""
        stories.append(
            NotificationStory(
                id=notification.id,
                kind=str(notification.kind),
                who=(actor.name or actor.username) if actor else "",
                from_actor_id=actor.id if actor else None,
                proposal_title=agreement.proposal.title if agreement else title,
                post_id=post.id if post else None,
                created_at=notification.created_at,
                action=notification.action,
                hours=agreement.hours if agreement else None,
                sender_gives=bool(agreement and actor and agreement.provider_id == actor.id),
                session_id=session.id if session else None,
                session_title=session.title if session else "",
                session_starts_at=session.starts_at if session else None,
                session_timezone=session.timezone if session else "",
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
