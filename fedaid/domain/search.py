"""Full-text search over posts and proposals (title, text, tags) with the filters of the home page.

Each post's entry in the index (`storage/search_index.py`, one per dialect) holds its folded text
(lowercase, no accents, so both backends find the same posts) and *facet* tokens for every filter
(visibility, purpose, category, status, remote, tag, collective, map cells), so one index lookup
intersects words and filters (the tokens are `search_tokens.py`); `matching_rows` explains the ranking.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from tortoise.expressions import Q

from fedaid.activitypub.sanitize import plain_text
from fedaid.domain.policy import DomainPolicies
from fedaid.domain.search_tokens import (
    FACET,
    bounding_box,
    cells_around,
    choice_facet,
    distance_km,
    facets_of,
    fold,
    hashed_facet,
    search_terms,
)
from fedaid.domain.visibility import Viewer, listable_audiences, listed_to
from fedaid.models import (
    Actor,
    Follow,
    FollowState,
    Post,
    PostTag,
    Proposal,
    ProposalPurpose,
    ProposalStatus,
    Visibility,
)
from fedaid.storage.search_index import IndexEntry, delete_all, delete_entry, insert_entries, matching_rows

MAX_LIMIT = 100
RANK_WINDOW = 200  # a text search ranks the newest RANK_WINDOW matches (see storage/search_index.matching_rows)


@dataclass(frozen=True)
class SearchHit:
    post: Post
    proposal: Proposal | None
    rank: float  # larger is better; 0 without search words


@dataclass(frozen=True)
class SearchFilters:
    """What the home page and the search box filter on; every field set must hold."""

    purpose: ProposalPurpose | None = None
    category: str | None = None
    tag: str | None = None
    status: ProposalStatus | None = None
    remote_ok: bool | None = None
    near: tuple[float, float] | None = None  # (latitude, longitude)
    within_km: float = 25.0
    domain: str | None = None  # the author's instance, i.e. their collective
    proposals_only: bool = False
    visibilities: tuple[Visibility, ...] = (Visibility.PUBLIC,)


def _wanted_facets(filters: SearchFilters) -> list[list[str]]:
    """Groups of facets: a post must carry one of each group."""
    groups = [[choice_facet("vis", visibility) for visibility in filters.visibilities]]
    if filters.proposals_only or filters.near is not None:
        groups.append([f"{FACET}proposal"])
    for kind, value in (("purpose", filters.purpose), ("status", filters.status), ("cat", filters.category)):
        if value is not None:
            groups.append([choice_facet(kind, value)])
    if filters.remote_ok is not None:
        groups.append([f"{FACET}remote{int(filters.remote_ok)}"])
    if filters.tag is not None:
        groups.append([hashed_facet("tag", filters.tag.lstrip("#"))])
    if filters.domain is not None:
        groups.append([hashed_facet("dom", filters.domain)])
    if filters.near is not None and (cells := cells_around(*filters.near, filters.within_km)):
        groups.append(cells)
    return groups


# ---------------------------------------------------------------- keeping the index


def index_entry(post: Post, *, proposal: Proposal | None = None, tags: Iterable[str] = (), domain: str) -> IndexEntry:
    """What the index holds for one post (pure; `domain` is its author's)."""
    tag_names = list(
        dict.fromkeys(
            str(tag).lower()
            for tag in [
                *tags,
                *(proposal.tags if proposal is not None else []),
                *([proposal.category] if proposal is not None and proposal.category else []),
            ]
        )
    )
    body = " ".join(part for part in (post.summary, plain_text(post.content)) if part)
    return IndexEntry(
        post_id=post.id,
        title=fold(proposal.title if proposal is not None else ""),
        body=fold(body),
        tags=fold(" ".join(tag_names)),
        facets=" ".join(facets_of(post, proposal=proposal, tags=tag_names, domain=domain)),
    )


async def index_post(
    post: Post, *, proposal: Proposal | None = None, tags: Iterable[str] = (), is_new: bool = False
) -> None:
    """Add or refresh one post in the index; call it in the transaction that changes the post or its proposal
    (`is_new` for a post just inserted, not in the index yet)."""
    author = post.author if isinstance(getattr(post, "author", None), Actor) else None
    domain = (
        author.domain
        if author is not None
        else (await Actor.filter(id=post.author_id).values_list("domain", flat=True))[0]
    )
    if not is_new:
        await unindex_post(post.id)
    await index_posts([index_entry(post, proposal=proposal, tags=tags, domain=domain)])


async def index_posts(entries: Sequence[IndexEntry]) -> None:
    """Insert entries for posts not indexed yet (bulk: rebuilds and seeding)."""
    if not entries:
        return
    await insert_entries(entries)


async def unindex_post(post_id: int) -> None:
    """Take a post out of the index (it was deleted)."""
    await delete_entry(post_id)


async def reindex_all(*, batch: int = 1000) -> int:
    """Rebuild the index from every post not deleted (after a restore, or for posts stored elsewhere)."""
    await delete_all()
    count, last_id = 0, None
    while True:
        query = Post.filter(deleted_at__isnull=True).order_by("id").limit(batch).select_related("author")
        posts = await (query.filter(id__gt=last_id) if last_id is not None else query)
        if not posts:
            return count
        ids = [post.id for post in posts]
        proposals = {p.post_id: p for p in await Proposal.filter(post_id__in=ids)}
        tags: dict[int, list[str]] = {}
        for post_id, name in await PostTag.filter(post_id__in=ids).values_list("post_id", "name"):
            tags.setdefault(post_id, []).append(name)
        await index_posts(
            [
                index_entry(
                    post, proposal=proposals.get(post.id), tags=tags.get(post.id, ()), domain=post.author.domain
                )
                for post in posts
            ]
        )
        count, last_id = count + len(posts), ids[-1]


# ---------------------------------------------------------------- searching


async def search(
    text: str = "",
    filters: SearchFilters = SearchFilters(),
    *,
    limit: int = 20,
    offset: int = 0,
    viewer: Viewer | None = None,
) -> list[SearchHit]:
    """Posts matching every word (as prefixes) and every filter: best rank first, then newest.

    With a `viewer`, only what the visibility rule lists for them (a page may then come back short).
    """
    limit, offset = max(1, min(limit, MAX_LIMIT)), max(0, offset)
    if viewer is not None:
        filters = replace(filters, visibilities=listable_audiences(viewer))
    terms = search_terms(text)
    if filters.near is None:
        rows = await _fetch(terms, filters, limit=limit, offset=offset)
    else:
        rows = await _fetch_near(terms, filters, limit=limit, offset=offset)
    return await _load(rows, listed_to(viewer) if viewer is not None else None)


async def without_silenced(hits: list[SearchHit], *, reader: Actor | None) -> list[SearchHit]:
    """The hits shown to `reader`: none from silenced domains, except by the authors they follow."""
    policies = DomainPolicies()
    followed = (
        set(await Follow.filter(follower_id=reader.id, state=FollowState.ACCEPTED).values_list("target_id", flat=True))
        if reader
        else set()
    )
    return [
        hit
        for hit in hits
        if hit.post.is_local or hit.post.author_id in followed or not await policies.is_silenced(hit.post.author.domain)
    ]


async def _fetch_near(terms: list[str], filters: SearchFilters, *, limit: int, offset: int) -> list[tuple[int, float]]:
    """Map cells and a box narrow in SQL; the exact distance is checked here, fetching more until enough."""
    assert filters.near is not None
    latitude, longitude = filters.near
    wanted, kept, position = offset + limit, [], 0
    # With words, a box trims the ranked rows (its corners hold a fifth of them); without, map cells
    # alone cover about three times the circle.
    batch = max((2 if terms else 4) * wanted, 40)
    while len(kept) < wanted:
        rows = await _fetch(terms, filters, limit=batch, offset=position)
        kept.extend(
            (row[0], row[1])
            for row in rows
            if row[2] is not None and distance_km(latitude, longitude, row[2], row[3]) <= filters.within_km
        )
        if len(rows) < batch:
            break
        position += batch
    return kept[offset:wanted]


async def _fetch(terms: list[str], filters: SearchFilters, *, limit: int, offset: int) -> list[tuple[Any, ...]]:
    """(post id, score) rows, best first; with `near`, also each proposal's latitude and longitude.

    Map cells narrow a search near a place in the index itself; where they cannot (a radius too large),
    a box around the place narrows before the index's limit.
    """
    near = filters.near
    return await matching_rows(
        terms,
        _wanted_facets(filters),
        with_place=near is not None,
        box=bounding_box(*near, filters.within_km) if near is not None else None,
        box_before_limit=near is not None and cells_around(*near, filters.within_km) is None,
        limit=limit,
        offset=offset,
        rank_window=RANK_WINDOW,
    )


async def _load(rows: list[tuple[int, float]], shown: Q | None = None) -> list[SearchHit]:
    ids = [row[0] for row in rows]
    if not ids:
        return []
    query = Post.filter(id__in=ids) if shown is None else Post.filter(shown, id__in=ids)
    posts = {post.id: post for post in await query.select_related("author")}
    proposals = {proposal.post_id: proposal for proposal in await Proposal.filter(post_id__in=ids)}
    return [
        SearchHit(post=posts[post_id], proposal=proposals.get(post_id), rank=float(score or 0.0))
        for post_id, score in rows
        if post_id in posts
    ]
