"""What happened since a moment, for the streaming API's polls: posts published or deleted, notifications and
boosts made. Each read may return a row again (the reader overlaps its polls and drops what it has seen)."""

from __future__ import annotations

from datetime import datetime

from fedaid.models import Notification, Post, Reblog


async def posts_published_since(since: datetime) -> list[Post]:
    """Posts created since `since`, not deleted nor hidden, oldest first, authors loaded."""
    query = Post.filter(created_at__gte=since, deleted_at__isnull=True, hidden_at__isnull=True)
    return list(await query.select_related("author").order_by("created_at"))


async def posts_deleted_since(since: datetime) -> list[int]:
    """The ids of the posts deleted since `since`."""
    ids: list[int] = await Post.filter(deleted_at__gte=since).values_list("id", flat=True)  # type: ignore[assignment]
    return ids


async def notifications_since(since: datetime) -> list[Notification]:
    """Notifications from an actor created since `since`, in their order, `from_actor` and `post__author` loaded."""
    query = Notification.filter(created_at__gte=since, from_actor_id__isnull=False)
    return list(await query.select_related("from_actor", "post__author").order_by("id"))


async def boosts_since(since: datetime) -> list[Reblog]:
    """Boosts of posts not deleted nor hidden made since `since`, in their order, the post and its author loaded.
    Their ids are time-ordered, so the primary key finds them."""
    first_id = int(since.timestamp() * 1000) << 16
    query = Reblog.filter(id__gte=first_id, post__deleted_at__isnull=True, post__hidden_at__isnull=True)
    return list(await query.select_related("post__author").order_by("id"))
