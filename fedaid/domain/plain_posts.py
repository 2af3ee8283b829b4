"""A burst of plain posts kept at once: the inbox worker's fast path.

`received_posts.receive_post_created` keeps one post with every rule a post can meet. Most of a burst
needs few of them: a public or unlisted top-level post, sent by its author whom someone here follows, with
no proposal, poll, event or attachment. `plain_post` tells those apart (pure: nothing it needs is a
query or a fetch) and `keep_plain_posts` stores a batch of them in a few statements, where one at a time
takes a dozen each. Both ways leave the same rows (tests/domain/test_plain_posts.py compares them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fedaid.activitypub.parse import NoteDoc
from fedaid.activitypub.parse.inbound import PostCreated
from fedaid.domain import search, threads
from fedaid.domain.inbound import Incoming
from fedaid.domain.proposals import proposal_of
from fedaid.domain.remote_posts import free_post_ids, notify_mentions, post_row, published_time, tag_rows
from fedaid.domain.visibility import mention_rows
from fedaid.models import Actor, Post, PostMention, PostTag, Visibility
from fedaid.storage.statements import values_in

PLAIN_VISIBILITIES = frozenset({Visibility.PUBLIC.value, Visibility.UNLISTED.value})


@dataclass(frozen=True)
class PlainPost:
    """A received post that needs nothing but to be stored, and its author."""

    author: Actor
    note: NoteDoc


def plain_post(incoming: Incoming, created: PostCreated) -> PlainPost | None:
    """The post `created` carries when it is plain (see the module's docstring), else None."""
    note, author = created.note, incoming.actor
    if note is None or created.event is not None or incoming.via_group is not None:
        return None
    if note.attributed_to != author.ap_id or author.ap_id not in incoming.followed_senders:
        return None
    if note.visibility not in PLAIN_VISIBILITIES or note.in_reply_to or note.type == "Question":
        return None
    if note.raw.get("attachment"):
        return None
    proposal = proposal_of(
        note, collective_ap_id=incoming.collective_ap_id, allow_hashtag_proposals=incoming.outside_proposals
    )
    return PlainPost(author, note) if proposal is None else None


async def keep_plain_posts(batch: Sequence[PlainPost]) -> int:
    """Store the posts of `batch` that are not stored yet, as `receive_post_created` would; returns how many.

    Call it in a transaction: a post stored meanwhile by another worker makes the insert fail, and the
    caller then applies the batch's activities one at a time."""
    by_ap_id = {item.note.ap_id: item for item in batch}
    known = await values_in(Post, "ap_id", list(by_ap_id))
    fresh = [item for ap_id, item in by_ap_id.items() if ap_id not in known]
    if not fresh:
        return 0
    published = [published_time(item.note) for item in fresh]
    posts = [
        post_row(item.note, item.author, post_id, moment, Visibility(item.note.visibility))
        for item, post_id, moment in zip(fresh, await free_post_ids(published), published, strict=True)
    ]
    await Post.bulk_create(posts)
    pairs = list(zip(posts, fresh, strict=True))
    if tags := [row for post, item in pairs for row in tag_rows(post, item.note.hashtags)]:
        await PostTag.bulk_create(tags)
    if mentions := [row for post in posts for row in mention_rows(post)]:
        await PostMention.bulk_create(mentions)
    if mentioning := [post.id for post in posts if post.mentions]:
        stored = {post.id: post for post in await Post.filter(id__in=mentioning)}  # bulk rows are not "saved"
        await notify_mentions([(stored[post.id], item.author) for post, item in pairs if post.id in stored])
    await search.index_posts(
        [search.index_entry(post, tags=item.note.hashtags, domain=item.author.domain) for post, item in pairs]
    )
    await threads.link_waiting_replies_to(posts)
    return len(posts)
