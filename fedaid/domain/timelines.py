"""Timelines: which posts and boosts a viewer gets on one page, newest first, each query filtered by the one
visibility rule (`domain/visibility.py`). The client API renders them; nothing here knows about HTTP.

    home      the viewer's posts and those of whom they follow (unlisted included, direct left out), with
              their boosts of others' posts
    public    public posts, `local` or `remote` ones only if asked; silenced domains left out
    tag       public posts with one of the hashtags (and all of `every`, none of `excluded`)
    account   what the viewer may see of one author, with the author's boosts unless asked not to
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.expressions import Q, Subquery

from fedaid.domain.paging import Page, fetch_page, id_window, newest_first, paged
from fedaid.domain.policy import not_silenced
from fedaid.domain.visibility import EVERYONE, Viewer, visible_to
from fedaid.models import (
    Actor,
    Favourite,
    FollowState,
    PolicyKind,
    Post,
    PostTag,
    Reblog,
    Visibility,
)
from fedaid.storage import hot_reads

# What a page reads of each post: enough to find its cached rendering and its author.
POST_FIELDS = ("id", "updated_at", "deleted_at", "visibility", "author_id")


@dataclass(frozen=True)
class PostStamp:
    """The few columns of a post a page needs; `stamp` changes whenever its rendering must."""

    id: int
    updated_at: datetime | None
    deleted_at: datetime | None
    visibility: str
    author_id: int

    @property
    def stamp(self) -> tuple[Any, ...]:
        return self.updated_at, self.deleted_at, self.visibility


@dataclass(frozen=True)
class Entry:
    """One line of a timeline: a post, or a boost of one (then `id` is the boost's); `reactions` are what the
    viewer did to the post ("favourited", "reblogged") when the page's statement read them, else None."""

    id: int
    post: PostStamp
    boost: Reblog | None = None
    reactions: tuple[str, ...] | None = None


async def home(viewer: Viewer, page: Page) -> list[Entry]:
    """The member's posts and those of whom they follow, with their boosts of others' posts.

    Read by one fixed statement (`storage/hot_reads.py`): every app polls this page.
    """
    assert viewer.actor is not None
    audiences = [audience.value for audience in home_audiences(viewer)]
    # The boosts read are of others' posts (a boost of a post already in this timeline would show it twice), and
    # those a moderator hid are left out.
    everyone = [audience.value for audience in EVERYONE]
    rows = await hot_reads.home_page(viewer.actor.id, FollowState.ACCEPTED.value, audiences, everyone, id_window(page))
    return _page_entries(rows, page)


def home_audiences(viewer: Viewer) -> list[Visibility]:
    """The audiences of the posts of followed authors that `viewer` sees at home.

    Following an author is what makes their followers-only posts visible, so for these authors this is what
    visibility.visible_to() decides, without its subqueries.
    """
    audiences = [Visibility.PUBLIC, Visibility.UNLISTED, Visibility.FOLLOWERS]
    if viewer.is_member or viewer.is_ally:
        audiences.append(Visibility.MEMBERS)
    return audiences


def belongs_at_home(post: Post, viewer: Viewer, *, follows_author: bool) -> bool:
    """Whether a new post goes to `viewer`'s home stream: as `home()` would list it, and direct posts to the
    actors they mention."""
    assert viewer.actor is not None
    if post.visibility == Visibility.DIRECT:
        return post.author_id == viewer.actor.id or viewer.actor.ap_id in (post.mentions or [])
    is_theirs = post.author_id == viewer.actor.id or follows_author
    return is_theirs and not post.is_deleted and post.visibility in home_audiences(viewer)


async def public(viewer: Viewer, page: Page, *, local: bool = False, remote: bool = False) -> list[Entry]:
    """Public posts, newest first: only this instance's with `local`, only others' with `remote`.

    Read by a fixed statement (`storage/hot_reads.py`), as `_public_posts` selects them.
    """
    is_local = True if local else False if remote else None
    viewer_id = viewer.actor.id if viewer.actor is not None else None
    rows = await hot_reads.public_page(viewer_id, id_window(page), is_local=is_local, silence=PolicyKind.SILENCE.value)
    return _page_entries(rows, page)


async def tagged(
    viewer: Viewer,
    page: Page,
    names: Sequence[str],
    *,
    every: Sequence[str] = (),
    excluded: Sequence[str] = (),
    local: bool = False,
    remote: bool = False,
) -> list[Entry]:
    """Public posts with any of the hashtags `names`, all of `every` and none of `excluded` (lowercase, no `#`)."""
    if not names:
        return []
    query = (await _public_posts(viewer, local=local, remote=remote)).filter(
        id__in=Subquery(PostTag.filter(name__in=list(names)).values("post_id"))
    )
    for name in every:
        query = query.filter(id__in=Subquery(PostTag.filter(name=name).values("post_id")))
    for name in excluded:
        query = query.exclude(id__in=Subquery(PostTag.filter(name=name).values("post_id")))
    return await _entries(query, page)


async def of_account(
    viewer: Viewer,
    author: Actor,
    page: Page,
    *,
    exclude_replies: bool = False,
    tag: str = "",
    with_boosts: bool = True,
) -> list[Entry]:
    """What `viewer` may see of `author`'s posts (with `tag` only, if given), and the author's boosts."""
    query = Post.filter(visible_to(viewer), author_id=author.id)
    if exclude_replies:
        query = query.filter(in_reply_to_ap_id__isnull=True)
    if tag:
        query = query.filter(id__in=Subquery(PostTag.filter(name=tag).values("post_id")))
    if not with_boosts or tag:
        return await _entries(query, page)
    return await _merged(query, page, _boosts(viewer).filter(actor_id=author.id))


def _boosts(viewer: Viewer) -> Any:
    """Boosts of posts `viewer` may see. Only public and unlisted posts are boosted, so for them this is what
    visibility.visible_to() decides, without its subqueries: not deleted, and one a moderator hid to its author only.
    """
    shown = Q(post__hidden_at__isnull=True)
    if viewer.actor is not None:
        shown |= Q(post__author_id=viewer.actor.id)
    return Reblog.filter(shown, post__deleted_at__isnull=True, post__visibility__in=EVERYONE)


async def favourites(viewer: Viewer, page: Page) -> list[Favourite]:
    """The member's favourites of posts they may still see, most recent first, with `post__author` loaded."""
    assert viewer.actor is not None
    query = Favourite.filter(
        actor_id=viewer.actor.id, post_id__in=Subquery(Post.filter(visible_to(viewer)).values("id"))
    )
    return await fetch_page(query.select_related("post__author"), page)


async def _public_posts(viewer: Viewer, *, local: bool, remote: bool) -> Any:
    # Only the public audience is in public timelines; for it, visibility.listed_to() is "not deleted, not hidden".
    # The silence rule as hot_reads.public_page() applies it (an account a moderator silenced is left out
    # of the local timeline too).
    query = Post.filter(visibility=Visibility.PUBLIC, deleted_at__isnull=True, hidden_at__isnull=True)
    query = query.filter(await not_silenced())
    if local:
        return query.filter(is_local=True)
    return query.filter(is_local=False) if remote else query


async def _entries(query: Any, page: Page) -> list[Entry]:
    rows = await paged(query, page).values_list(*POST_FIELDS)
    entries = [Entry(row[0], PostStamp(*row)) for row in rows]
    return newest_first(entries, page, key=lambda entry: entry.id)


def _page_entries(rows: list[hot_reads.PageRow], page: Page) -> list[Entry]:
    """A fixed statement's page rows as entries, newest first (by post or boost id)."""
    entries = [
        Entry(
            row.boost.id if row.boost is not None else row.stamp[0],
            PostStamp(*row.stamp),
            row.boost,
            tuple(kind for kind, done in (("favourited", row.favourited), ("reblogged", row.reblogged)) if done),
        )
        for row in rows
    ]
    return newest_first(entries, page, key=lambda entry: entry.id)


async def _merged(posts: Any, page: Page, boosts: Any) -> list[Entry]:
    """The page of `posts` merged with the page of `boosts`, newest first (by post id or boost id)."""
    rows = await paged(posts, page).values_list(*POST_FIELDS)
    return await _merged_rows(rows, list(await paged(boosts, page)), page)


async def _merged_rows(post_rows: Sequence[Sequence[Any]], reblogs: list[Reblog], page: Page) -> list[Entry]:
    """A page of post rows (`POST_FIELDS`) merged with a page of boosts, newest first (by post or boost id)."""
    rows = {row[0]: PostStamp(*row) for row in post_rows}
    missing = {reblog.post_id for reblog in reblogs} - rows.keys()
    if missing:
        boosted = Post.filter(id__in=sorted(missing)).values_list(*POST_FIELDS)
        rows.update((row[0], PostStamp(*row)) for row in await boosted)
    entries = [Entry(post_id, stamp) for post_id, stamp in rows.items() if post_id not in missing]
    entries += [Entry(reblog.id, rows[reblog.post_id], reblog) for reblog in reblogs if reblog.post_id in rows]
    return newest_first(entries, page, key=lambda entry: entry.id)


async def thread_of(post: Post, viewer: Viewer) -> tuple[list[Post], list[Post]]:
    """The ancestors (oldest first, up to 40) and descendants (in id order, up to 200) `viewer` may see."""
    shown = visible_to(viewer)
    ancestors: list[Post] = []
    parent_id = post.in_reply_to_id
    while parent_id and len(ancestors) < 40:
        parent = await Post.filter(shown, id=parent_id).select_related("author").first()
        if parent is None:
            break
        ancestors.insert(0, parent)
        parent_id = parent.in_reply_to_id
    descendants: list[Post] = []
    frontier = [post.id]
    while frontier and len(descendants) < 200:
        children = await Post.filter(shown, in_reply_to_id__in=frontier).select_related("author").order_by("id")
        descendants.extend(children)
        frontier = [child.id for child in children]
    descendants.sort(key=lambda child: child.id)
    return ancestors, descendants
