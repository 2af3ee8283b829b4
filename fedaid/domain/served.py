"""What this server shows other servers: an actor's followers, following and outbox by pages, and its posts
(who may see one is `domain/visibility.py`'s rule)."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.queryset import QuerySet

from fedaid.activitypub.actors import COLLECTION_PAGE_SIZE as PAGE_SIZE
from fedaid.models import Actor, Follow, FollowState, Post, Visibility


@dataclass(frozen=True)
class CollectionPage:
    """A collection's size and, when a page was asked for, the ids on that page."""

    total: int
    items: list[str] | None  # None: the collection itself, no page


async def followers_page(actor: Actor, page: int | None) -> CollectionPage:
    """The accepted followers of a local actor, newest first."""
    query = Follow.filter(target=actor, state=FollowState.ACCEPTED)
    return await _page(query, page, "follower__ap_id")


async def following_page(actor: Actor, page: int | None) -> CollectionPage:
    """Whom a local actor follows (accepted), newest first."""
    query = Follow.filter(follower=actor, state=FollowState.ACCEPTED)
    return await _page(query, page, "target__ap_id")


async def outbox_page(actor: Actor, page: int | None) -> CollectionPage:
    """Public posts only: members-only and direct posts never appear in an outbox."""
    query = Post.filter(author=actor, visibility=Visibility.PUBLIC, deleted_at__isnull=True, hidden_at__isnull=True)
    return await _page(query, page, "ap_id")


async def _page(query: QuerySet, page: int | None, field: str) -> CollectionPage:
    total = await query.count()
    if page is None:
        return CollectionPage(total, None)
    found = await query.order_by("-id").offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE).values_list(field, flat=True)
    return CollectionPage(total, [str(item) for item in found])


async def find_local_post(ap_id: str) -> Post | None:
    """A post of this server by its AS2 id, with its author loaded (deleted ones included)."""
    return await Post.get_or_none(ap_id=ap_id, is_local=True).select_related("author")
