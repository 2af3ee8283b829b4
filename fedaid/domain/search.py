"""Full-text search over posts and proposals (title, text, tags) with the filters of the home page.

The index is the `post_search` table that migration 0002 creates per dialect: an FTS5 virtual table
on SQLite, a tsvector with a GIN index on PostgreSQL. Each post's entry holds its folded text
(lowercase, no accents, so both backends find the same posts) and *facet* tokens for every filter
(visibility, purpose, category, status, remote, tag, collective, map cells), so one index lookup
intersects words and filters (the tokens are `search_tokens.py`); `_fetch` explains the ranking. No HTTP here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
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

MAX_LIMIT = 100
RANK_WINDOW = 200  # a text search ranks the newest RANK_WINDOW matches (see _fetch)
# Ranking weights: FTS5 bm25 per column (title, body, tags, facets); PostgreSQL ts_rank {D, C, B, A}.
_BM25 = "bm25(post_search, 4.0, 1.0, 2.0, 0.0)"
_TS_WEIGHTS = "'{0, 0.2, 0.4, 1.0}'"
_PG_DOCUMENT = (
    "setweight(to_tsvector('simple', {title}), 'A') || setweight(to_tsvector('simple', {tags}), 'B')"
    " || setweight(to_tsvector('simple', {body}), 'C') || setweight(to_tsvector('simple', {facets}), 'D')"
)
_TSQUERY_SAFE = re.compile(r"(?:[^\W_]|[:*()|& ])+")


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


@dataclass(frozen=True)
class IndexEntry:
    """One post as indexed: folded title, body and tags, and its facet tokens (space-separated)."""

    post_id: int
    title: str
    body: str
    tags: str
    facets: str


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


def _connection() -> BaseDBAsyncClient:
    return Post._meta.db  # the current transaction's connection when there is one


def _is_sqlite(db: BaseDBAsyncClient) -> bool:
    return db.capabilities.dialect == "sqlite"


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


async def index_post(post: Post, *, proposal: Proposal | None = None, tags: Iterable[str] = ()) -> None:
    """Add or refresh one post in the index; call it in the transaction that changes the post or its proposal."""
    author = post.author if isinstance(getattr(post, "author", None), Actor) else None
    domain = (
        author.domain
        if author is not None
        else (await Actor.filter(id=post.author_id).values_list("domain", flat=True))[0]
    )
    await unindex_post(post.id)
    await index_posts([index_entry(post, proposal=proposal, tags=tags, domain=domain)])


async def index_posts(entries: Sequence[IndexEntry]) -> None:
    """Insert entries for posts not indexed yet (bulk: rebuilds and seeding)."""
    if not entries:
        return
    db = _connection()
    if _is_sqlite(db):
        await db.execute_many(
            "INSERT INTO post_search (rowid, title, body, tags, facets) VALUES (?, ?, ?, ?, ?)",
            [[e.post_id, e.title, e.body, e.tags, e.facets] for e in entries],
        )
        return
    document = _PG_DOCUMENT.format(title="t.title", body="t.body", tags="t.tags", facets="t.facets")
    await db.execute_query(
        f"INSERT INTO post_search (post_id, document) SELECT t.id, {document} FROM unnest($1::bigint[], "
        "$2::text[], $3::text[], $4::text[], $5::text[]) AS t(id, title, body, tags, facets)",
        [
            [e.post_id for e in entries],
            [e.title for e in entries],
            [e.body for e in entries],
            [e.tags for e in entries],
            [e.facets for e in entries],
        ],
    )


async def unindex_post(post_id: int) -> None:
    db = _connection()
    if _is_sqlite(db):
        await db.execute_query("DELETE FROM post_search WHERE rowid = ?", [post_id])
    else:
        await db.execute_query("DELETE FROM post_search WHERE post_id = $1", [post_id])


async def reindex_all(*, batch: int = 1000) -> int:
    """Rebuild the index from every post not deleted (after a restore, or for posts stored elsewhere)."""
    await _connection().execute_script("DELETE FROM post_search")
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


class _Params:
    """Placeholders in the dialect's style, numbered in order of use."""

    def __init__(self, sqlite: bool) -> None:
        self.sqlite, self.values = sqlite, []

    def __call__(self, value: Any) -> str:
        self.values.append(value)
        return "?" if self.sqlite else f"${len(self.values)}"


def _fts5_match(terms: Sequence[str], groups: list[list[str]]) -> str:
    # Words are [^\W_]+ and facets [a-z0-9]+, so no FTS5 syntax can come from a query.
    parts = []
    if terms:
        words = " AND ".join(f'"{term}"*' if len(term) > 2 else f'"{term}"' for term in terms)
        parts.append(f"{{title body tags}} : ({words})")
    parts += [f"facets : ({' OR '.join(group)})" for group in groups]
    return " AND ".join(parts)


def _tsquery(terms: Sequence[str], groups: list[list[str]]) -> str:
    # Words weigh A-C; facets are the only D lexemes, so text can never pose as a facet.
    parts = [f"{term}:*ABC" if len(term) > 2 else f"{term}:ABC" for term in terms]
    parts += [f"({' | '.join(f'{facet}:D' for facet in group)})" for group in groups]
    query = " & ".join(parts)
    if not _TSQUERY_SAFE.fullmatch(query):  # words are [^\W_]+ and facets [a-z0-9]+, so this cannot happen
        raise ValueError("unexpected characters in a search query")
    return query


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
    db = _connection()
    terms = search_terms(text)
    if filters.near is None:
        rows = await _fetch(db, terms, filters, limit=limit, offset=offset)
    else:
        rows = await _fetch_near(db, terms, filters, limit=limit, offset=offset)
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


async def _fetch_near(
    db: BaseDBAsyncClient, terms: list[str], filters: SearchFilters, *, limit: int, offset: int
) -> list[tuple[int, float]]:
    """Map cells and a box narrow in SQL; the exact distance is checked here, fetching more until enough."""
    assert filters.near is not None
    latitude, longitude = filters.near
    wanted, kept, position = offset + limit, [], 0
    # With words, a box trims the ranked rows (its corners hold a fifth of them); without, map cells
    # alone cover about three times the circle.
    batch = max((2 if terms else 4) * wanted, 40)
    while len(kept) < wanted:
        rows = await _fetch(db, terms, filters, limit=batch, offset=position)
        kept.extend(
            (row[0], row[1])
            for row in rows
            if row[2] is not None and distance_km(latitude, longitude, row[2], row[3]) <= filters.within_km
        )
        if len(rows) < batch:
            break
        position += batch
    return kept[offset:wanted]


async def _fetch(
    db: BaseDBAsyncClient, terms: list[str], filters: SearchFilters, *, limit: int, offset: int
) -> list[tuple[Any, ...]]:
    """(post id, score) rows, best first; with `near`, also each proposal's latitude and longitude.

    One index lookup intersects the words with the filters' facets, newest first (post ids are
    time-ordered). Without words, that order is the answer. With words, the RANK_WINDOW newest
    matches are ranked: a word found in most posts ("aide") would otherwise rank the whole table,
    and this keeps the cost flat as posts accumulate. Deleted posts leave the index by trigger.
    """
    sqlite = _is_sqlite(db)
    param = _Params(sqlite)
    groups = _wanted_facets(filters)
    key = "post_search.rowid" if sqlite else "post_search.post_id"
    if sqlite:
        match = f"post_search MATCH {param(_fts5_match(terms, groups))}"
        score = f"-{_BM25}" if terms else "0.0"
    else:
        # The tsquery is written into the SQL, not bound: asyncpg prepares statements, and PostgreSQL's
        # generic plan for a bound tsquery cannot weigh how common the words are. It holds only
        # letters, digits and tsquery operators (see _tsquery), never a quote.
        match = f"post_search.document @@ to_tsquery('simple', '{_tsquery(terms, groups)}')"
        # Ranked on the words alone: ts_rank of an AND with a zero-weight facet is zero.
        score = (
            f"ts_rank({_TS_WEIGHTS}, post_search.document, to_tsquery('simple', '{_tsquery(terms, [])}'))"
            if terms
            else "0.0"
        )
    box = bounding_box(*filters.near, filters.within_km) if filters.near is not None else None
    uncelled = filters.near is not None and cells_around(*filters.near, filters.within_km) is None

    def placed(alias: str) -> tuple[str, str]:
        """A join to the proposal's place and, when the box is known, the clause keeping it inside."""
        join = f" JOIN proposal {alias} ON {alias}.post_id = "
        if box is None:
            return join, ""
        return join, (
            f" AND {alias}.latitude BETWEEN {param(box[0])} AND {param(box[1])}"
            f" AND {alias}.longitude BETWEEN {param(box[2])} AND {param(box[3])}"
        )

    join, within = placed("inside") if uncelled else ("", "")  # past the map cells, a box before any limit
    window = f"LIMIT {RANK_WINDOW}" if terms else f"LIMIT {param(limit)} OFFSET {param(offset)}"
    inner = (
        f"SELECT {key} AS id, {score} AS score FROM post_search{join + key if join else ''} "
        f"WHERE {match}{within} ORDER BY {key} DESC {window}"
    )
    columns, join, within = "found.id AS id, found.score AS score", "", ""
    if filters.near is not None:
        # The place of the few rows found; with words, the box also trims the ranked window.
        join, within = placed("pr") if terms else (" LEFT JOIN proposal pr ON pr.post_id = ", "")
        columns, join = f"{columns}, pr.latitude AS latitude, pr.longitude AS longitude", join + "found.id"
    if terms:
        sql = (
            f"SELECT {columns} FROM ({inner}) AS found{join} WHERE 1 = 1{within} "
            f"ORDER BY found.score DESC, found.id DESC LIMIT {param(limit)} OFFSET {param(offset)}"
        )
    else:
        sql = f"SELECT {columns} FROM ({inner}) AS found{join} ORDER BY found.id DESC"
    rows = await db.execute_query_dict(sql, param.values)
    return [tuple(row.values()) for row in rows]


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
