"""Posts from other servers: store a received Note as a `Post`, apply its edits and its deletion.

No network: the inbox worker fetches and parses; this module gets a `NoteDoc` whose HTML is already
sanitised (`parse_note`, Mastodon's allowlist, Mastodon's sanitizer) and the author's loaded `Actor`.
Every function is idempotent, so an activity applied twice changes nothing the second time.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from fedaid.activitypub.attachments import parse_attachments
from fedaid.activitypub.parse import NoteDoc
from fedaid.clock import utcnow
from fedaid.domain import exchanges, proposals, remote_demands, remote_media, responses, search, threads
from fedaid.domain.notifications import notify
from fedaid.domain.post_edits import keep_version
from fedaid.domain.visibility import allied_groups, record_mentions
from fedaid.errors import InvalidActivity
from fedaid.models import (
    Actor,
    CoachingSession,
    Follow,
    FollowState,
    NotificationKind,
    Post,
    PostTag,
    Visibility,
)
from fedaid.models.ids import new_id
from fedaid.storage.statements import attach, unsaved, values_in

MAX_TAG_LENGTH = 100
ID_ATTEMPTS = 3  # draws of a post id before a clash with other workers' new posts is left for a retry


# --- should we keep it? --------------------------------------------------------------------------


async def is_relevant(note: NoteDoc, author: Actor) -> bool:
    """Like Mastodon's Activity::Create#related_to_local_activity?: someone here follows the author, the note
    is addressed to a local actor or to an actor (or followers collection) followed here, such as an
    allied collective's members-only audience, or it replies to a post we have."""
    if await Follow.filter(target=author, follower__is_local=True, state=FollowState.ACCEPTED).exists():
        return True
    addressed = list(set(note.mentions) | set(note.to) | set(note.cc) | set(note.audience))
    if addressed and await Actor.filter(ap_id__in=addressed, is_local=True).exists():
        return True
    followed_here = Actor.filter(follower_rows__follower__is_local=True, follower_rows__state=FollowState.ACCEPTED)
    if addressed and await followed_here.filter(Q(ap_id__in=addressed) | Q(followers_url__in=addressed)).exists():
        return True
    if note.in_reply_to is None:
        return False
    # A reply to a post we have, or to a coaching session here or joined from here (its follow-up thread).
    return (
        await Post.filter(ap_id=note.in_reply_to).exists()
        or await CoachingSession.filter(ap_id=note.in_reply_to).exists()
    )


async def visibility_for(note: NoteDoc) -> Visibility:
    """The note's visibility; not public, and addressed to the followers of an allied collective, it is for
    members (of that collective and its allies, ours included)."""
    if note.visibility in ("public", "unlisted"):
        return Visibility(note.visibility)
    addresses = [a for a in (*note.to, *note.cc) if a]
    if addresses and await Actor.filter(allied_groups(), followers_url__in=addresses).exists():
        return Visibility.MEMBERS
    return Visibility(note.visibility)


# --- Create, Update, Delete ----------------------------------------------------------------------


async def store_remote_note(
    note: NoteDoc,
    author: Actor,
    *,
    visibility: Visibility,
    audience: Actor | None = None,
    outside_proposals: bool = True,
    collective_ap_id: str | None = None,
    thread_depth: int = 0,
    max_thread_depth: int = 0,
) -> Post | None:
    """Keep a received Note; an id we already have (even deleted: a Tombstone) is left as it is.

    `outside_proposals` is the instance's setting: whether a plain post with #offre/#demande that
    mentions the collective becomes a proposal (FEP-0837 proposals always do); `collective_ap_id` names that
    collective when the caller knows it (else it is looked up). A reply to a post we do not
    have asks for that post (`threads`), `thread_depth` being how far below the reply that arrived this one is.
    """
    _check_author(note, author)
    existing = await Post.get_or_none(ap_id=note.ap_id)
    if existing is not None:
        return None if existing.is_deleted else existing
    published = published_time(note)
    thread = (thread_depth + 1, max_thread_depth)
    intake = (outside_proposals, collective_ap_id)
    attempts = 0
    while True:
        attempts += 1
        [post_id] = await free_post_ids([published])
        try:
            return await _insert_note(note, author, post_id, published, visibility, audience, intake, thread)
        except IntegrityError:
            existing = await Post.get_or_none(ap_id=note.ap_id)
            if existing is not None:
                return None if existing.is_deleted else existing  # stored meanwhile by another worker
            if attempts == ID_ATTEMPTS:
                raise  # the worker retries this item later
            # Another worker's post, not yet committed when free_post_ids looked, took that id: draw another.


async def _insert_note(
    note: NoteDoc,
    author: Actor,
    post_id: int,
    published: datetime,
    visibility: Visibility,
    audience: Actor | None,
    intake: tuple[bool, str | None],
    thread: tuple[int, int],
) -> Post:
    async with in_transaction():
        parent = await Post.get_or_none(ap_id=note.in_reply_to) if note.in_reply_to else None
        post = post_row(note, author, post_id, published, visibility, audience=audience, parent=parent)
        await post.save(force_create=True)
        await _store_tags(post, note.hashtags)
        await record_mentions(post, is_new=True)
        await notify_mentions([(post, author)])
        await _index_and_read_proposal(post, note, outside_proposals=intake[0], collective_ap_id=intake[1])
        await remote_media.record_attachments(post, parse_attachments(note.raw.get("attachment")))
        await remote_demands.store_remote_question(post, note, author)
        if parent is not None:
            await responses.record_remote_response(post)
            await exchanges.receive_reply(post)  # an answer to a confirmation note we sent
        elif note.in_reply_to:
            await threads.ask_for_parent(note.in_reply_to, depth=thread[0], max_depth=thread[1])
        await threads.link_waiting_replies(post)
    return post


def post_row(
    note: NoteDoc,
    author: Actor,
    post_id: int,
    published: datetime,
    visibility: Visibility,
    *,
    audience: Actor | None = None,
    parent: Post | None = None,
) -> Post:
    """The `Post` a received note becomes (not saved yet), its `author` and `in_reply_to` attached."""
    post = unsaved(
        Post,
        id=post_id,
        ap_id=note.ap_id,
        author_id=author.id,
        is_local=False,
        content=note.content,
        summary=note.summary,
        sensitive=note.sensitive,
        language=note.language,
        visibility=visibility,
        url=note.url,
        in_reply_to_ap_id=note.in_reply_to,
        in_reply_to_id=parent.id if parent else None,
        audience=audience.ap_id if audience else _first(note.audience),
        mentions=list(note.mentions),
        addressed_to=list(dict.fromkeys((*note.to, *note.cc))),
        published_at=published,
    )
    attach(post, "author", author)
    attach(post, "in_reply_to", parent)
    return post


async def update_remote_note(note: NoteDoc, author: Actor, *, outside_proposals: bool = True) -> Post | None:
    """Apply an edit by the author, only when its `updated` is newer than what we have (mastodon/mastodon#31114)."""
    _check_author(note, author)
    post = await Post.get_or_none(ap_id=note.ap_id, author=author, is_local=False, deleted_at=None)
    if post is None or note.updated_at is None:
        return None
    known = post.updated_at or post.published_at
    if known is not None and note.updated_at <= known:
        return None
    async with in_transaction():
        await keep_version(post)
        post.content, post.summary = note.content, note.summary
        post.sensitive, post.language = note.sensitive, note.language
        post.mentions, post.updated_at = list(note.mentions), note.updated_at
        await post.save(update_fields=["content", "summary", "sensitive", "language", "mentions", "updated_at"])
        await record_mentions(post)
        await PostTag.filter(post=post).delete()
        await _store_tags(post, note.hashtags)
        await _index_and_read_proposal(post, note, outside_proposals=outside_proposals)
        await remote_media.replace_attachments(post, parse_attachments(note.raw.get("attachment")))
    return post


async def delete_remote_post(ap_id: str, author: Actor) -> bool:
    """The author deleted it: keep a Tombstone (deleted_at, no content) so it is never re-created (Activity::Delete)."""
    post = await Post.get_or_none(ap_id=ap_id, author=author, is_local=False)
    if post is None or post.is_deleted:
        return False
    async with in_transaction():
        await Post.filter(id=post.id).update(deleted_at=utcnow(), content="", summary="")
        await PostTag.filter(post_id=post.id).delete()
        await search.unindex_post(post.id)
    return True


async def delete_posts_of(author: Actor) -> int:
    """Every post of a deleted remote actor becomes a Tombstone."""
    return await Post.filter(author=author, is_local=False, deleted_at=None).update(
        deleted_at=utcnow(), content="", summary=""
    )


async def find_post(ap_id: str) -> Post | None:
    return await Post.get_or_none(ap_id=ap_id)


async def find_shown_post(ap_id: str) -> Post | None:
    """The post with this id, not deleted, with its author loaded (to be shown)."""
    return await Post.filter(ap_id=ap_id, deleted_at__isnull=True).select_related("author").first()


# --- helpers -------------------------------------------------------------------------------------


def published_time(note: NoteDoc) -> datetime:
    """When the note says it was published, never later than now."""
    now = utcnow()
    return min(note.published_at or now, now)


async def free_post_ids(published: Sequence[datetime]) -> list[int]:
    """Time-ordered ids from the publication times, like Mastodon's, unused and distinct; notes published in
    the same millisecond get other draws of the random bits."""
    at_ms = [_id_millisecond(moment) for moment in published]
    ids = [new_id(ms) for ms in at_ms]
    for _ in range(8):
        taken = await values_in(Post, "id", ids)
        seen: set[int] = set()
        clashes = []
        for index, candidate in enumerate(ids):
            if candidate in taken or candidate in seen:
                clashes.append(index)
            seen.add(candidate)
        if not clashes:
            return ids
        for index in clashes:
            ids[index] = new_id(at_ms[index])
    return [new_id() if index in clashes else candidate for index, candidate in enumerate(ids)]


def _id_millisecond(published: datetime) -> int:
    """The millisecond a post's id is drawn for: its publication's, or a random one within its second when it
    is given to the second only. Mastodon's `published` is (2026-03-01T12:00:00Z): a busy second's posts
    would share the id's 16 random bits, and two workers storing them at once would draw the same ids."""
    at_ms = int(published.timestamp() * 1000)
    return at_ms + secrets.randbelow(1000) if published.microsecond == 0 else at_ms


def _check_author(note: NoteDoc, author: Actor) -> None:
    if note.attributed_to != author.ap_id:
        raise InvalidActivity("the note is attributed to another actor than the one who sent it")


def _first(values: Iterable[str]) -> str | None:
    return next(iter(values), None)


async def _store_tags(post: Post, names: Iterable[str]) -> None:
    if rows := tag_rows(post, names):
        await PostTag.bulk_create(rows)


def tag_rows(post: Post, names: Iterable[str]) -> list[PostTag]:
    """The hashtag rows of a post, one per distinct name."""
    return [unsaved(PostTag, post_id=post.id, name=name) for name in dict.fromkeys(n[:MAX_TAG_LENGTH] for n in names)]


async def notify_mentions(posts: Sequence[tuple[Post, Actor]]) -> None:
    """Each member a new post mentions hears of it (one query for all the posts)."""
    named = {ap_id for post, _ in posts for ap_id in post.mentions or []}
    if not named:
        return
    members = {a.ap_id: a for a in await Actor.filter(ap_id__in=list(named), is_local=True, deleted_at=None)}
    for post, author in posts:
        for ap_id in dict.fromkeys(post.mentions or []):
            if (member := members.get(ap_id)) is not None:
                await notify(member, NotificationKind.MENTION, from_actor=author, post=post)


async def _index_and_read_proposal(
    post: Post, note: NoteDoc, *, outside_proposals: bool, collective_ap_id: str | None = None
) -> None:
    """Make the post searchable; when it carries a proposal (FEP-0837, or, when outside proposals are
    allowed, #offre/#demande addressed to our collective, see docs/architecture.md), the mutual-aid layer keeps it."""
    if note.proposal is not None:
        if collective_ap_id is None:
            collective = await proposals.default_collective()
            collective_ap_id = collective.ap_id if collective is not None else None
        if (
            await proposals.store_remote_proposal(
                post, note, collective_ap_id=collective_ap_id, allow_hashtag_proposals=outside_proposals
            )
            is not None
        ):
            return  # indexed with its proposal
    await search.index_post(post, tags=note.hashtags)
