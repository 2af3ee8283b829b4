"""Responses: replies to a proposal, from a member here or from anyone elsewhere (a fedaid peer, Mastodon).

A response is an ordinary reply Post; the proposal's author can turn one into an agreement
(`agreements.agree_to_response`). No HTTP here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from fedaid.domain import posts
from fedaid.domain.notifications import notify
from fedaid.domain.visibility import Viewer, visible_to
from fedaid.errors import Conflict, Forbidden
from fedaid.models import (
    Actor,
    Agreement,
    AgreementState,
    MediaAttachment,
    Notification,
    NotificationKind,
    Post,
    Proposal,
    ProposalStatus,
    Visibility,
)


async def respond(
    proposal: Proposal,
    responder: Actor,
    text: str,
    *,
    visibility: Visibility | None = None,
    language: str | None = None,
    media: Sequence[MediaAttachment] = (),
    now: datetime | None = None,
) -> Post:
    """A local member answers an open proposal: a reply to its author, who is notified."""
    post = await Post.get(id=proposal.post_id).prefetch_related("author")
    if proposal.status != ProposalStatus.OPEN or post.is_deleted:
        raise Conflict("This offer or request is no longer open.")
    if post.author_id == responder.id:
        raise Forbidden("You cannot answer your own offer or request.")
    async with in_transaction():
        reply = await posts.create_post(
            responder,
            text,
            visibility=visibility or _reply_visibility(post),
            in_reply_to=post,
            language=language or post.language,
            notify_mentions=False,
            media=media,
            now=now,
        )
        await _notify_author(post, reply, responder)
    return reply


async def record_remote_response(reply: Post) -> bool:
    """A reply from elsewhere to a local proposal: notify its author once. Returns whether it was one."""
    if reply.in_reply_to_id is None:
        return False
    parent = await Post.get_or_none(id=reply.in_reply_to_id, is_local=True).prefetch_related("author")
    if parent is None or not await Proposal.filter(post_id=parent.id).exists():
        return False
    if await Notification.filter(
        post_id=reply.id, kind__in=(NotificationKind.RESPONSE, NotificationKind.AGREEMENT)
    ).exists():
        return True
    await _notify_author(parent, reply, await Actor.get(id=reply.author_id))
    await _link_to_offered_agreement(parent, reply)
    return True


async def _link_to_offered_agreement(parent: Post, reply: Post) -> None:
    """A fedaid peer sends the reply and its Offer(Agreement) together; when the Offer came first, the
    agreement it made gets this reply as its response."""
    agreement = await (
        Agreement.filter(
            proposal__post_id=parent.id,
            response_id__isnull=True,
            state__in=(AgreementState.OFFERED, AgreementState.ACCEPTED),
        )
        .filter(Q(provider_id=reply.author_id) | Q(receiver_id=reply.author_id))
        .order_by("-id")
        .first()
    )
    if agreement is not None:
        await Agreement.filter(id=agreement.id, response_id__isnull=True).update(response_id=reply.id)


async def list_responses(proposal: Proposal, viewer: Viewer) -> list[Post]:
    """The replies to the proposal that `viewer` may see, oldest first."""
    return await (
        Post.filter(visible_to(viewer), in_reply_to_id=proposal.post_id)
        .order_by("published_at", "id")
        .prefetch_related("author")
    )


async def get_response(proposal: Proposal, post_id: int) -> Post:
    post = await posts.get_post(post_id)
    if post.in_reply_to_id != proposal.post_id:
        raise Conflict("That post does not answer this offer or request.")
    return post


def _reply_visibility(parent: Post) -> Visibility:
    """As Mastodon's composer: a reply is no more visible than what it answers."""
    return Visibility(parent.visibility)


async def _notify_author(parent: Post, reply: Post, responder: Actor) -> None:
    author = parent.author if isinstance(parent.author, Actor) else await Actor.get(id=parent.author_id)
    await notify(author, NotificationKind.RESPONSE, from_actor=responder, post=reply)
