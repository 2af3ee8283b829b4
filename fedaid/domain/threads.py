"""Whole conversations: a reply whose parent we lack asks for it (queued work, bounded in depth and rate),
and replies that arrived before their parent are linked to it when it comes. No network here."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from fedaid.clock import utcnow
from fedaid.domain import responses, work
from fedaid.domain.visibility import Viewer, visible_to
from fedaid.models import Post, WorkKind

log = logging.getLogger("fedaid.threads")

# Parent fetches are caused by what strangers send: at most this many are queued per minute.
PARENT_FETCHES_PER_MINUTE = 60


async def ask_for_parent(ap_id: str, *, depth: int, max_depth: int, now: datetime | None = None) -> bool:
    """Queue a fetch of the post `ap_id`, `depth` replies above the one that arrived; True when queued."""
    if depth > max_depth:
        log.info("thread fetch stops at its depth", extra={"ap_id": ap_id, "depth": depth})
        return False
    moment = now or utcnow()
    if await Post.filter(ap_id=ap_id).exists():
        return False
    if await work.count_recent(WorkKind.FETCH_PARENT, moment - timedelta(minutes=1)) >= PARENT_FETCHES_PER_MINUTE:
        log.info("thread fetch skipped: too many this minute", extra={"ap_id": ap_id})
        return False
    return await work.queue(WorkKind.FETCH_PARENT, ap_id, depth=depth, now=moment)


async def link_waiting_replies_to(parents: Iterable[Post]) -> int:
    """`link_waiting_replies` for many new posts, with one query when none has replies waiting (the usual case)."""
    by_ap_id = {post.ap_id: post for post in parents if post.ap_id}
    if not by_ap_id:
        return 0
    replies = await Post.filter(in_reply_to_ap_id__in=list(by_ap_id)).values_list("in_reply_to_ap_id", "in_reply_to_id")
    awaited = {str(ap_id) for ap_id, parent_id in replies if parent_id is None}
    return sum([await link_waiting_replies(by_ap_id[ap_id]) for ap_id in awaited])


async def link_waiting_replies(parent: Post) -> int:
    """Replies stored before `parent` now point at it (and count as responses when it is a proposal)."""
    # The replies are found by in_reply_to_ap_id alone: with `in_reply_to_id IS NULL` beside it, SQLite took
    # that column's index instead, and read every post that replies to nothing.
    waiting = [reply for reply in await Post.filter(in_reply_to_ap_id=parent.ap_id) if reply.in_reply_to_id is None]
    for reply in waiting:
        reply.in_reply_to_id = parent.id
        await reply.save(update_fields=["in_reply_to_id"])
        if not reply.is_local:
            await responses.record_remote_response(reply)
    return len(waiting)


async def conversation(post: Post, viewer: Viewer, *, limit: int = 40) -> tuple[list[Post], list[Post]]:
    """What a page shows around `post`: the posts above it (oldest first) and the replies below it (in
    order), among those `viewer` may see, authors loaded."""
    shown = visible_to(viewer)
    ancestors: list[Post] = []
    parent_id = post.in_reply_to_id
    while parent_id is not None and len(ancestors) < limit:
        parent = await Post.filter(shown, id=parent_id).select_related("author").first()
        if parent is None:
            break
        ancestors.insert(0, parent)
        parent_id = parent.in_reply_to_id
    replies: list[Post] = []
    frontier = [post.id]
    while frontier and len(replies) < limit * 5:
        children = await Post.filter(shown, in_reply_to_id__in=frontier).select_related("author")
        replies.extend(children)
        frontier = [child.id for child in children]
    replies.sort(key=lambda reply: reply.id)
    return ancestors, replies
