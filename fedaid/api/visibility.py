"""The API's reads of the visibility rule (`fedaid.domain.visibility`) for the caller's actor."""

from __future__ import annotations

from fedaid.domain import visibility
from fedaid.domain.post_pages import find_visible_post
from fedaid.errors import NotFound
from fedaid.models import Actor, Post


async def can_see(post: Post, viewer: Actor | None) -> bool:
    return await visibility.can_see(post, visibility.local_viewer(viewer))


async def get_visible_post(post_id: str | int, viewer: Actor | None) -> Post:
    """The post with this Mastodon id (or boosted by the boost with it), if `viewer` may see it; NotFound
    (Mastodon's 404) otherwise."""
    try:
        number = int(post_id)
    except (TypeError, ValueError):
        raise NotFound("Record not found") from None
    post = await find_visible_post(number, visibility.local_viewer(viewer))
    if post is None:
        raise NotFound("Record not found")
    return post
