"""Favourites and boosts: by local members (recorded, told to the post's author, federated), and boosts
received from elsewhere (recorded, so counts and home timelines show them). No HTTP.

A favourite of a remote post queues a Like for its author's inbox; a boost queues an Announce for the
author and the booster's followers; taking either back queues its Undo. Each change and its Delivery
rows are written in one transaction (`publish`). Local authors get a notification instead.
Likes from elsewhere are kept (`receive_like`) and taken back here too.
"""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from fedaid.activitypub.notes import render_undo
from fedaid.activitypub.parse.inbound import Liked
from fedaid.activitypub.reactions import render_boost, render_like
from fedaid.domain import exchanges
from fedaid.domain.paging import Page, fetch_page
from fedaid.domain.publish import followers_of, publish
from fedaid.errors import Forbidden, Gone
from fedaid.models import Actor, Favourite, Notification, NotificationKind, Post, Reblog, Visibility
from fedaid.models.ids import new_id
from fedaid.storage import hot_reads

BOOSTABLE = (Visibility.PUBLIC, Visibility.UNLISTED)


async def favourite(post: Post, actor: Actor) -> bool:
    """Record that a member likes a post; False when they already did."""
    _check(post, actor)
    author = await _author(post)
    if await Favourite.filter(actor_id=actor.id, post_id=post.id).exists():
        return False
    try:
        async with in_transaction():
            row = await Favourite.create(actor=actor, post=post, ap_id=f"{actor.ap_id}#likes/{new_id()}")
            if author.is_local:
                await _notify(author, NotificationKind.FAVOURITE, actor, post)
            else:
                await publish(render_like(row, actor, post), sender=actor, to=[author])
    except IntegrityError:  # favourited at the same moment from another app
        return False
    return True


async def unfavourite(post: Post, actor: Actor) -> bool:
    """Take a favourite back (and its notification); False when there was none."""
    author = await _author(post)
    async with in_transaction():
        row = await Favourite.get_or_none(actor_id=actor.id, post_id=post.id)
        if row is None:
            return False
        await row.delete()
        await _forget_notification(NotificationKind.FAVOURITE, actor, post)
        if not author.is_local and row.ap_id:
            await publish(render_undo(actor, render_like(row, actor, post)), sender=actor, to=[author])
    return True


async def reblog(post: Post, actor: Actor) -> Reblog:
    """Boost a public or unlisted post to the member's followers; the existing boost when they already did."""
    _check(post, actor)
    if post.visibility not in BOOSTABLE:
        raise Forbidden("Only public and unlisted posts can be boosted.")
    author = await _author(post)
    existing = await Reblog.get_or_none(actor_id=actor.id, post_id=post.id)
    if existing is not None:
        return existing
    reblog_id = new_id()
    try:
        async with in_transaction():
            row = await Reblog.create(id=reblog_id, ap_id=f"{actor.ap_id}/reblogs/{reblog_id}", actor=actor, post=post)
            if author.is_local:
                await _notify(author, NotificationKind.REBLOG, actor, post)
            await publish(render_boost(row, actor, post, author), sender=actor, to=await _audience(actor, author))
    except IntegrityError:  # boosted at the same moment from another app
        return await Reblog.get(actor_id=actor.id, post_id=post.id)
    return row


async def unreblog(post: Post, actor: Actor) -> bool:
    """Take a boost back: its Undo goes where the Announce went; False when there was none."""
    author = await _author(post)
    async with in_transaction():
        row = await Reblog.get_or_none(actor_id=actor.id, post_id=post.id)
        if row is None:
            return False
        await row.delete()
        await _forget_notification(NotificationKind.REBLOG, actor, post)
        await publish(
            render_undo(actor, render_boost(row, actor, post, author)), sender=actor, to=await _audience(actor, author)
        )
    return True


async def receive_like(actor: Actor, liked: Liked) -> Favourite | None:
    """A Like from elsewhere of one of our posts: kept once, and its author hears of it. On a confirmation note,
    it is also the confirmation that note asked for (`exchanges.receive_like`)."""
    post = await Post.get_or_none(ap_id=liked.object_ap_id or "", deleted_at=None)
    if post is None or not post.is_local:
        return None
    async with in_transaction():
        if await Favourite.filter(actor=actor, post=post).exists():
            return None
        like_id = None if await Favourite.filter(ap_id=liked.ap_id).exists() else liked.ap_id
        row = await Favourite.create(ap_id=like_id, actor=actor, post=post)
        await _notify(await _author(post), NotificationKind.FAVOURITE, actor, post)
        await exchanges.receive_like(actor, post, liked.ap_id)
    return row


async def receive_boost(post: Post, actor: Actor, announce_id: str) -> Reblog | None:
    """Keep a boost from elsewhere (an Announce) of a post we have; applying it twice changes nothing."""
    if post.is_deleted or post.visibility not in BOOSTABLE or actor.is_local:
        return None  # a boost of a members-only or direct post is not one anybody may make
    existing = await Reblog.get_or_none(actor_id=actor.id, post_id=post.id)
    if existing is not None or await Reblog.filter(ap_id=announce_id).exists():
        return existing
    try:
        async with in_transaction():
            row = await Reblog.create(id=new_id(), ap_id=announce_id, actor=actor, post=post)
            if post.is_local:
                await _notify(await _author(post), NotificationKind.REBLOG, actor, post)
    except IntegrityError:  # the same Announce applied by another worker meanwhile
        return None
    return row


async def receive_undo_boost(actor: Actor, announce_id: str | None, post_ap_id: str | None = None) -> bool:
    """An actor elsewhere takes a boost back: by the Announce's id, else by the boosted post's."""
    return await _take_back(Reblog, NotificationKind.REBLOG, actor, announce_id, post_ap_id)


async def receive_undo_like(actor: Actor, like_id: str | None, post_ap_id: str | None = None) -> bool:
    """An actor elsewhere takes a Like back (and its notification): by the Like's id, else by the post's."""
    return await _take_back(Favourite, NotificationKind.FAVOURITE, actor, like_id, post_ap_id)


async def _take_back(
    model: type[Favourite] | type[Reblog],
    kind: NotificationKind,
    actor: Actor,
    activity_id: str | None,
    post_ap_id: str | None,
) -> bool:
    """Delete `actor`'s reaction named by its activity id, else the one on the post, and its notification."""
    rows = model.filter(actor_id=actor.id)
    if activity_id and await rows.filter(ap_id=activity_id).exists():
        rows = rows.filter(ap_id=activity_id)
    elif post_ap_id:
        rows = rows.filter(post__ap_id=post_ap_id)
    else:
        return False
    found = await rows.values_list("id", "post_id")
    if not found:
        return False
    async with in_transaction():
        await model.filter(id__in=[row_id for row_id, _ in found]).delete()
        await Notification.filter(
            kind=kind, from_actor_id=actor.id, post_id__in=[post_id for _, post_id in found]
        ).delete()
    return True


def _check(post: Post, actor: Actor) -> None:
    if not actor.is_local or actor.is_deleted:
        raise Forbidden("Only a member of this instance can do that here.")
    if post.is_deleted:
        raise Gone("This post was deleted.")


async def _author(post: Post) -> Actor:
    loaded = getattr(post, "author", None)
    return loaded if isinstance(loaded, Actor) else await Actor.get(id=post.author_id)


async def _audience(actor: Actor, author: Actor) -> list[Actor]:
    """A boost goes to the booster's followers elsewhere and to the post's author."""
    return [*await followers_of(actor), author]


async def _notify(author: Actor, kind: NotificationKind, actor: Actor, post: Post) -> None:
    if author.id != actor.id:
        await Notification.create(recipient=author, kind=kind, from_actor=actor, post=post)


async def _forget_notification(kind: NotificationKind, actor: Actor, post: Post) -> None:
    await Notification.filter(kind=kind, from_actor_id=actor.id, post_id=post.id).delete()


async def find_own_boost(actor: Actor, boost_id: int) -> Reblog | None:
    """`actor`'s boost with this id, with the boosted post and its author loaded."""
    return await Reblog.get_or_none(id=boost_id, actor_id=actor.id).select_related("post__author")


async def favourites_page(post: Post, page: Page) -> list[Favourite]:
    """Who favourited `post`, newest first, leaving out deleted actors; each with its `actor` loaded."""
    return await fetch_page(
        Favourite.filter(post_id=post.id, actor__deleted_at__isnull=True).select_related("actor"), page
    )


async def boosts_page(post: Post, page: Page) -> list[Reblog]:
    """Who boosted `post`, newest first, leaving out deleted actors; each with its `actor` loaded."""
    return await fetch_page(
        Reblog.filter(post_id=post.id, actor__deleted_at__isnull=True).select_related("actor"), page
    )


async def reactions_of(actor: Actor, post_ids: list[int]) -> list[tuple[str, int]]:
    """("favourited" | "reblogged", post id) for each of these posts `actor` favourited or boosted."""
    return await hot_reads.reactions_of(actor.id, post_ids)
