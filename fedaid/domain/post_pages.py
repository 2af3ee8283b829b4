"""Which post a page about one post shows: a post by its id, or a local one by its author's name and id; deleted
posts are not found. The visibility rule is the page's next step (`visibility.can_see`)."""

from __future__ import annotations

from fedaid.models import Post


async def find_live_post(post_id: int) -> Post | None:
    """The post with this id unless deleted, its author loaded."""
    return await Post.get_or_none(id=post_id, deleted_at__isnull=True).select_related("author")


async def find_local_post(post_id: int, author_name: str) -> Post | None:
    """The post written here with this id by the member named `author_name`, unless deleted; author loaded."""
    query = Post.get_or_none(id=post_id, is_local=True, deleted_at__isnull=True, author__username=author_name)
    return await query.select_related("author")
