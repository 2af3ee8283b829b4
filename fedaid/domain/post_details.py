"""What a status shows beside its post, read in batch for a page of posts: hashtags, proposal, media, poll,
counts of replies, favourites and boosts, the author of the post replied to, and the actors mentioned."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from fedaid.domain.media import media_of_posts
from fedaid.domain.polls import polls_of_posts
from fedaid.models import Actor, MediaAttachment, Poll, Post, Proposal
from fedaid.storage import hot_reads
from fedaid.storage.statements import rows_held_by


@dataclass(frozen=True)
class PostDetails:
    """The details of a page of posts, each by post id (`mentioned` by the actor's AS2 id)."""

    tags: dict[int, list[str]]
    proposals: dict[int, Proposal]
    media: dict[int, list[MediaAttachment]]
    polls: dict[int, Poll]
    replies: dict[int, int]
    favourites: dict[int, int]
    reblogs: dict[int, int]
    parent_authors: dict[int, int]
    mentioned: dict[str, Actor]


NO_COUNTS: dict[str, dict[int, int]] = {"replies": {}, "favourites": {}, "reblogs": {}}


async def post_details(posts: list[Post], *, are_new: bool = False) -> PostDetails:
    """The details of `posts`; `parent_authors` is keyed by the id of the post replied to.

    `are_new`: members' posts this request has just written. Nobody can have replied to, favourited or boosted
    them yet, and fedaid makes no polls (only other servers' posts carry one), so neither is read: three
    statements fewer when a status is created.
    """
    ids = [post.id for post in posts]
    parent_ids = sorted({post.in_reply_to_id for post in posts if post.in_reply_to_id})
    counts = NO_COUNTS if are_new else await hot_reads.reaction_counts(ids)
    return PostDetails(
        tags=await tags_of_posts(ids),
        proposals={row.post_id: row for row in await rows_held_by(Proposal, "post_id", ids)},
        media=await media_of_posts(ids),
        polls={} if are_new else await polls_of_posts(ids),
        replies=counts["replies"],
        favourites=counts["favourites"],
        reblogs=counts["reblogs"],
        parent_authors=dict(await Post.filter(id__in=parent_ids).values_list("id", "author_id")) if parent_ids else {},
        mentioned=await _mentioned(posts),
    )


async def tags_of_posts(post_ids: list[int]) -> dict[int, list[str]]:
    """Each post's hashtags (lowercase, no `#`), in the order they were set."""
    tags: dict[int, list[str]] = defaultdict(list)
    for post_id, name in await hot_reads.tags_of_posts(post_ids):
        tags[post_id].append(name)
    return tags


async def posts_with_authors(post_ids: Iterable[int]) -> list[Post]:
    """The posts with these ids, their `author` loaded."""
    return await hot_reads.posts_with_authors(list(post_ids))


async def _mentioned(posts: list[Post]) -> dict[str, Actor]:
    ap_ids = sorted({ap_id for post in posts for ap_id in post.mentions or [] if isinstance(ap_id, str)})
    if not ap_ids:
        return {}
    return {actor.ap_id: actor for actor in await Actor.filter(ap_id__in=ap_ids)}
