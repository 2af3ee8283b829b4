"""Which post a page or a client asks for: a post by its id, a local one by its author's name and id, or the
post a status id names as the viewer may see it."""

from __future__ import annotations

from fedaid.domain.visibility import Viewer, can_see
from fedaid.models import Post, Reblog


async def find_live_post(post_id: int) -> Post | None:
    """The post with this id unless deleted, its author loaded."""
    return await Post.get_or_none(id=post_id, deleted_at__isnull=True).select_related("author")


async def find_local_post(post_id: int, author_name: str) -> Post | None:
    """The post written here with this id by the member named `author_name`, unless deleted; author loaded."""
    query = Post.get_or_none(id=post_id, is_local=True, deleted_at__isnull=True, author__username=author_name)
    return await query.select_related("author")


async def find_visible_post(post_id: int, viewer: Viewer) -> Post | None:
    """The post with this id, or the post boosted by the boost with it (as apps name a boosted status), if
    `viewer` may see it; author loaded."""
    post = await Post.get_or_none(id=post_id).select_related("author")
    if post is None:
        boost = await Reblog.get_or_none(id=post_id).select_related("post__author")
        post = boost.post if boost is not None else None
    if post is None or not await can_see(post, viewer):
        return None
    return post
