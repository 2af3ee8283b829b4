"""Local posts: write, edit and delete a member's Note, with its hashtags, mentions and federation.

Each change and the Delivery rows announcing it (`post_federation.py`) are written in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from html import escape

from tortoise.transactions import in_transaction

from fedaid.activitypub.notes import (
    addressing,
    origin_of,
    tag_href,
    text_to_html,
)
from fedaid.clock import utcnow
from fedaid.domain import media as attachments
from fedaid.domain import search
from fedaid.domain.notifications import notify
from fedaid.domain.post_federation import Change, NoteContext, federate_post
from fedaid.domain.post_tags import mentions_of, set_tags, tags_of
from fedaid.domain.visibility import record_mentions
from fedaid.errors import Forbidden, Gone, InvalidInput, NotFound
from fedaid.models import (
    Actor,
    ActorType,
    GroupKind,
    MediaAttachment,
    NotificationKind,
    Post,
    PostTag,
    Visibility,
)
from fedaid.models.ids import new_id

MAX_TEXT = 10_000
MAX_SUMMARY = 500


def _now(now: datetime | None) -> datetime:
    return now or utcnow()


# ---------------------------------------------------------------- create


async def create_post(
    author: Actor,
    text: str,
    *,
    visibility: Visibility = Visibility.PUBLIC,
    in_reply_to: Post | None = None,
    mentions: Sequence[Actor] = (),
    audience: Actor | None = None,
    summary: str = "",
    sensitive: bool = False,
    language: str | None = None,
    notify_mentions: bool = True,
    media: Sequence[MediaAttachment] = (),
    now: datetime | None = None,
) -> Post:
    """Publish a member's post and queue its Create for followers and mentioned actors.

    `media` are uploads already checked by `media.check_attachable`."""
    async with in_transaction():
        note = await insert_post(
            author,
            text,
            visibility=visibility,
            in_reply_to=in_reply_to,
            mentions=mentions,
            audience=audience,
            summary=summary,
            sensitive=sensitive,
            language=language,
            notify_mentions=notify_mentions,
            media=media,
            now=now,
        )
        post = note.post
        await search.index_post(post, tags=note.tags, is_new=True)
        await federate_post(post, Change.CREATE, now=now, context=note)
    return post


async def insert_post(
    author: Actor,
    text: str,
    *,
    visibility: Visibility = Visibility.PUBLIC,
    in_reply_to: Post | None = None,
    mentions: Sequence[Actor] = (),
    audience: Actor | None = None,
    summary: str = "",
    sensitive: bool = False,
    language: str | None = None,
    extra_tags: Iterable[str] = (),
    notify_mentions: bool = True,
    media: Sequence[MediaAttachment] = (),
    now: datetime | None = None,
) -> NoteContext:
    """Store a local post, its hashtags, attachments and mention notifications, without federating it yet;
    returns what its Note shows, as written (no proposal yet)."""
    _check_author(author)
    _check_text(text if not media else text or "-", summary)
    published = _now(now)
    if visibility == Visibility.MEMBERS and (audience is None or not audience.is_local):
        audience = await _collective()  # members of this collective: it names the audience
    mentions = await _with_parent_author(mentions, author, in_reply_to)
    html, hashtags = text_to_html(text, base_url=origin_of(author.ap_id), mentions=mentions)
    post_id = new_id(int(published.timestamp() * 1000))
    ap_id = f"{author.ap_id}/posts/{post_id}"
    to, cc = addressing(visibility, author, mentions=mentions, audience=audience)
    post = await Post.create(
        id=post_id,
        ap_id=ap_id,
        author=author,
        is_local=True,
        content=html,
        summary=summary.strip(),
        sensitive=sensitive or bool(summary.strip()),
        language=language,
        visibility=visibility,
        url=ap_id,
        in_reply_to_ap_id=in_reply_to.ap_id if in_reply_to else None,
        in_reply_to=in_reply_to,
        audience=audience.ap_id if audience else None,
        mentions=[actor.ap_id for actor in mentions],
        addressed_to=[*to, *cc],
        published_at=published,
    )
    tags = await set_tags(post, [*hashtags, *extra_tags], is_new=True)
    await attachments.attach(post, media, is_new=True)
    await record_mentions(post, is_new=True)
    if notify_mentions:
        await _notify_mentioned(post, author, mentions)
    return NoteContext(post, author, tags, mentions, proposal=None, audience=audience, media=list(media))


async def _collective() -> Actor | None:
    collectives = Actor.filter(is_local=True, type=ActorType.GROUP, group_kind=GroupKind.COLLECTIVE)
    return await collectives.filter(deleted_at__isnull=True).order_by("id").first()


def _check_author(author: Actor) -> None:
    if not author.is_local or author.is_deleted:
        raise Forbidden("Only a member of this instance can post here.")


def _check_text(text: str, summary: str) -> None:
    if not text.strip():
        raise InvalidInput("A post needs some text.")
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"A post holds at most {MAX_TEXT} characters.")
    if len(summary) > MAX_SUMMARY:
        raise InvalidInput(f"A content warning holds at most {MAX_SUMMARY} characters.")


async def _with_parent_author(mentions: Sequence[Actor], author: Actor, parent: Post | None) -> list[Actor]:
    """A reply mentions the author it answers, as Mastodon's composer does, so they hear of it."""
    found = {actor.ap_id: actor for actor in mentions}
    if parent is not None and parent.author_id != author.id:
        loaded = getattr(parent, "author", None)
        parent_author = loaded if isinstance(loaded, Actor) else await Actor.get(id=parent.author_id)
        found.setdefault(parent_author.ap_id, parent_author)
    return list(found.values())


async def _notify_mentioned(post: Post, author: Actor, mentions: Sequence[Actor]) -> None:
    for actor in mentions:
        await notify(actor, NotificationKind.MENTION, from_actor=author, post=post)


# ---------------------------------------------------------------- edit and delete


async def get_post(post_id: int) -> Post:
    post = await Post.get_or_none(id=post_id).prefetch_related("author")
    if post is None:
        raise NotFound("There is no such post.")
    if post.is_deleted:
        raise Gone("This post was deleted.")
    return post


async def edit_post(
    post: Post,
    *,
    by: Actor,
    text: str | None = None,
    summary: str | None = None,
    sensitive: bool | None = None,
    mentions: Sequence[Actor] | None = None,
    now: datetime | None = None,
) -> Post:
    """Change a post's text or content warning and queue an Update(Note) to its audience (mastodon/mastodon#31114)."""
    async with in_transaction():
        await update_post_text(post, by=by, text=text, summary=summary, sensitive=sensitive, mentions=mentions, now=now)
        await search.index_post(post, tags=await tags_of(post))
        await federate_post(post, Change.UPDATE, now=now)
    return post


async def update_post_text(
    post: Post,
    *,
    by: Actor,
    text: str | None = None,
    summary: str | None = None,
    sensitive: bool | None = None,
    mentions: Sequence[Actor] | None = None,
    extra_tags: Iterable[str] = (),
    now: datetime | None = None,
) -> Post:
    """Apply an edit without federating it: new HTML and hashtags, and an `updated` later than the last."""
    check_can_change(post, by)
    current_mentions = await mentions_of(post)
    mentions = list(mentions) if mentions is not None else current_mentions
    new_summary = post.summary if summary is None else summary.strip()
    if text is not None:
        _check_text(text, new_summary)
        post.content, hashtags = text_to_html(text, base_url=origin_of(by.ap_id), mentions=mentions)
    else:
        base = origin_of(by.ap_id)
        hashtags = [name for name in await tags_of(post) if f'href="{escape(tag_href(base, name))}"' in post.content]
    post.summary = new_summary
    post.sensitive = bool(new_summary) or (post.sensitive if sensitive is None else sensitive)
    post.mentions = [actor.ap_id for actor in mentions]
    post.updated_at = next_update_time(post, now)
    await post.save(update_fields=["content", "summary", "sensitive", "mentions", "updated_at"])
    await record_mentions(post)
    await set_tags(post, [*hashtags, *extra_tags])
    await _notify_mentioned(post, by, [a for a in mentions if a.ap_id not in {m.ap_id for m in current_mentions}])
    return post


def next_update_time(post: Post, now: datetime | None) -> datetime:
    """`updated` strictly later, to the second, than `published` and any earlier edit (Mastodon compares them)."""
    moment = _now(now).replace(microsecond=0)
    previous = (post.updated_at or post.published_at).replace(microsecond=0)
    return max(moment, previous + timedelta(seconds=1))


def check_can_change(post: Post, by: Actor) -> None:
    if post.is_deleted:
        raise Gone("This post was deleted.")
    if not post.is_local or post.author_id != by.id:
        raise Forbidden("Only its author can change this post.")


async def delete_post(post: Post, *, by: Actor, now: datetime | None = None, moderated: bool = False) -> None:
    """Delete a post: queue a Delete (Tombstone) to its original audience, then keep only a Tombstone here.
    `moderated`: a moderator removes someone else's post (checked by the caller, `domain/reports.py`)."""
    if not moderated:
        check_can_change(post, by)
    elif post.is_deleted:
        raise Gone("This post was deleted.")
    moment = _now(now)
    async with in_transaction():
        await federate_post(post, Change.DELETE, now=moment)
        post.deleted_at, post.content, post.summary = moment, "", ""
        await post.save(update_fields=["deleted_at", "content", "summary"])
        await PostTag.filter(post_id=post.id).delete()
        await search.unindex_post(post.id)
