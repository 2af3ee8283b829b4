"""Which posts a reader may see, as query filters and as a check on one post.

Public and unlisted posts are for everyone; members-only ("followers") posts for the author, their accepted
followers and members of the author's instance; direct posts for the author and the actors they mention.
"""

from __future__ import annotations

from tortoise.expressions import Q, Subquery

from fedaid.errors import NotFound
from fedaid.models import Actor, Follow, FollowState, Post, Reblog, Visibility

OPEN = (Visibility.PUBLIC, Visibility.UNLISTED)


def followed_ids(viewer: Actor) -> Subquery:
    return Subquery(Follow.filter(follower_id=viewer.id, state=FollowState.ACCEPTED).values("target_id"))


def visible_to(viewer: Actor | None) -> Q:
    """A filter on Post for everything `viewer` may read (not counting direct mentions)."""
    if viewer is None:
        return Q(visibility__in=OPEN)
    members_only = Q(visibility=Visibility.FOLLOWERS) & (
        Q(author_id__in=followed_ids(viewer)) | (Q(is_local=True) if viewer.is_local else Q(id=-1))
    )
    return Q(visibility__in=OPEN) | Q(author_id=viewer.id) | members_only


async def can_see(post: Post, viewer: Actor | None) -> bool:
    if post.is_deleted:
        return False
    if post.visibility in OPEN:
        return True
    if viewer is None:
        return False
    if post.author_id == viewer.id or viewer.ap_id in (post.mentions or []):
        return True
    if post.visibility == Visibility.FOLLOWERS:
        if post.is_local and viewer.is_local:
            return True
        return await Follow.filter(follower_id=viewer.id, target_id=post.author_id, state=FollowState.ACCEPTED).exists()
    return False


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
