"""Federating a local post: its Note as served and sent, and the Create, Update or Delete queued for its audience.

A member's public top-level post addressed to the local collective is also announced by the collective's Group
(FEP-1b12, docs/interop.md). Each activity's Delivery rows are written by `publish`, in the caller's
transaction. No HTTP and no signing here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from fedaid.activitypub.notes import (
    followers_of_actor,
    render_announce,
    render_create,
    render_delete,
    render_note,
    render_undo,
    render_update,
)
from fedaid.activitypub.vocab import PUBLIC
from fedaid.clock import utcnow
from fedaid.domain import media as attachments
from fedaid.domain.post_tags import mentions_of, tags_of
from fedaid.domain.publish import followers_of, publish
from fedaid.domain.visibility import allied_groups
from fedaid.models import Actor, MediaAttachment, Post, Proposal, Visibility


class Change(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


@dataclass(frozen=True)
class NoteContext:
    """Everything `render_note` needs about a post, loaded once."""

    post: Post
    author: Actor
    tags: list[str]
    mentions: list[Actor]
    proposal: Proposal | None
    audience: Actor | None
    media: list[MediaAttachment]


async def note_context(post: Post) -> NoteContext:
    """Load the author, hashtags, mentions, proposal and collective a post's Note shows."""
    author = post.author if isinstance(post.author, Actor) else await Actor.get(id=post.author_id)
    proposal = await Proposal.get_or_none(post_id=post.id)
    audience = await Actor.get_or_none(ap_id=post.audience) if post.audience else None
    return NoteContext(
        post=post,
        author=author,
        tags=await tags_of(post),
        mentions=await mentions_of(post),
        proposal=proposal,
        audience=audience,
        media=(await attachments.media_of_posts([post.id])).get(post.id, []),
    )


async def note_of(post: Post) -> dict[str, Any]:
    """The Note JSON of a local post, as its URL serves it (deleted posts have a Tombstone instead)."""
    context = await note_context(post)
    return _render(context)


def _render(context: NoteContext) -> dict[str, Any]:
    return render_note(
        context.post,
        context.author,
        tags=context.tags,
        mentions=context.mentions,
        proposal=context.proposal,
        audience=context.audience,
        media=context.media,
    )


async def federate_post(
    post: Post, change: Change, *, now: datetime | None = None, context: NoteContext | None = None
) -> int:
    """Queue the Create, Update or Delete of a local post for its audience; returns the Delivery rows queued.

    `context` is what the post's Note shows when the caller has just written it all (`posts.insert_post`)."""
    moment = now or utcnow()
    context = context or await note_context(post)
    note = _render(context)
    if change == Change.CREATE:
        activity = render_create(note)
    elif change == Change.UPDATE:
        activity = render_update(note)
    else:
        activity = render_delete(post, context.author, to=note["to"], cc=note["cc"])
    recipients = await _recipients(post, context)
    queued = await publish(activity, sender=context.author, to=recipients, now=moment)
    group = context.audience
    if group is not None and group.is_local and group.is_group and _is_announced(post):
        queued += await _announce_through_group(group, activity, post, context.author, change, now=moment)
    return queued


def _is_announced(post: Post) -> bool:
    """Public top-level posts only: boosting replies floods Mastodon timelines (mastodon/mastodon#18069)."""
    return post.visibility == Visibility.PUBLIC and post.in_reply_to_ap_id is None


async def _recipients(post: Post, context: NoteContext) -> list[Actor]:
    """Who receives a post, by its visibility (`domain/visibility.py` says who may see it).

    Direct: the mentioned actors. Followers: those and the author's followers. Members: the servers of the
    collectives allied with ours, never individual followers of the author or of the collective. Public and
    unlisted: mentioned actors, the author's followers, and a remote collective it is addressed to, which
    relays it to its own followers.
    """
    match post.visibility:
        case Visibility.DIRECT:
            return list(context.mentions)
        case Visibility.MEMBERS:
            return list(await Actor.filter(allied_groups()).order_by("id"))
        case Visibility.FOLLOWERS:
            return [*context.mentions, *await followers_of(context.author)]
    recipients = [*context.mentions, *await followers_of(context.author)]
    group = context.audience
    if group is not None and not group.is_local:
        recipients.append(group)  # a remote group relays it to its own followers
    return recipients


async def _announce_through_group(
    group: Actor, activity: dict[str, Any], post: Post, author: Actor, change: Change, *, now: datetime
) -> int:
    """The Group wraps the unchanged activity in Announce (FEP-1b12) and boosts new notes for Mastodon."""
    followers = await followers_of(group)
    if not followers:
        return 0
    to, cc = [PUBLIC], [followers_of_actor(group), author.ap_id]
    suffix = {Change.CREATE: "create", Change.DELETE: "delete"}.get(change)
    if suffix is None:
        suffix = f"update/{int(post.updated_at.timestamp()) if post.updated_at else int(now.timestamp())}"
    wrapped = render_announce(
        group, activity, announce_id=f"{group.ap_id}/announces/{post.id}/{suffix}", published=now, to=to, cc=cc
    )
    queued = await publish(wrapped, sender=group, to=followers, now=now)
    boost = render_announce(
        group, post.ap_id, announce_id=f"{group.ap_id}/announces/{post.id}", published=post.published_at, to=to, cc=cc
    )
    if change == Change.CREATE:
        queued += await publish(boost, sender=group, to=followers, now=now)
    elif change == Change.DELETE:
        queued += await publish(render_undo(group, boost), sender=group, to=followers, now=now)
    return queued
