"""The API's reads of the visibility rule (`fedaid.domain.visibility`) for the caller's actor."""

from __future__ import annotations

from tortoise.expressions import Q

from fedaid.domain import visibility
from fedaid.errors import NotFound
from fedaid.models import Actor, Post, Reblog


def visible_to(viewer: Actor | None) -> Q:
    """A filter on Post for everything `viewer` may read."""
    return visibility.visible_to(visibility.local_viewer(viewer))


def listed_to(viewer: Actor | None) -> Q:
    """A filter on Post for what may be listed to `viewer` (visible, and not unlisted)."""
    return visibility.listed_to(visibility.local_viewer(viewer))


async def can_see(post: Post, viewer: Actor | None) -> bool:
    return await visibility.can_see(post, visibility.local_viewer(viewer))


async def get_visible_post(post_id: str | int, viewer: Actor | None) -> Post:
    """The post with this Mastodon id (or boosted by the boost with it), if `viewer` may see it; NotFound
    (Mastodon's 404) otherwise."""
    try:
        number = int(post_id)
    except (TypeError, ValueError):
        raise NotFound("Record not found") from None
    post = await Post.get_or_none(id=number).select_related("author")
    if post is None:  # a boost's id, as apps send it for actions on a boosted status: the boosted post
        boost = await Reblog.get_or_none(id=number).select_related("post__author")
        post = boost.post if boost is not None else None
    if post is None or not await can_see(post, viewer):
        raise NotFound("Record not found")
    return post
