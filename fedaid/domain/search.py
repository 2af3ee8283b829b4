"""Full-text search over posts and proposals (title, text, tags) with the filters of the home page.

The index is the `post_search` table that migration 0002 creates per dialect: an FTS5 virtual table
on SQLite, a tsvector column with a GIN index on PostgreSQL. This module keeps it filled
(`index_post`, `unindex_post`, `reindex_all`) and queries it. Text is folded here (lowercase, no
accents) before either database sees it, so both backends find the same posts. No HTTP here.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from fedaid.activitypub.sanitize import plain_text
from fedaid.models import Post, PostTag, Proposal, ProposalPurpose, ProposalStatus, Visibility

MAX_TERMS = 8
MAX_LIMIT = 100
EARTH_RADIUS_KM = 6371.0088
# FTS5 bm25 weights per column (title, body, tags); PostgreSQL uses weights A, C and B for the same.
_BM25 = "bm25(post_search, 4.0, 1.0, 2.0)"
_PG_DOCUMENT = ("setweight(to_tsvector('simple', {title}), 'A') || setweight(to_tsvector('simple', {body}), 'C')"
                " || setweight(to_tsvector('simple', {tags}), 'B')")
_WORD = re.compile(r"[^\W_]+")


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

    @property
    def needs_proposal(self) -> bool:
        return self.proposals_only or any(
            value is not None for value in (self.purpose, self.category, self.status, self.remote_ok, self.near))


# ---------------------------------------------------------------- text


def fold(text: str) -> str:
    """Lowercase without accents: `Réparation` and `reparation` index and match alike."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def search_terms(text: str) -> list[str]:
    """The words of a query, folded, at most MAX_TERMS, one-letter words dropped."""
    words = [word for word in _WORD.findall(fold(text)) if len(word) > 1]
    return list(dict.fromkeys(words))[:MAX_TERMS]


def _fts5_query(terms: Sequence[str]) -> str:
    # Each word quoted (FTS5 syntax cannot leak in: words are [^\W_]+) and prefix-matched from 3 letters.
    return " ".join(f'"{term}"*' if len(term) > 2 else f'"{term}"' for term in terms)


def _tsquery(terms: Sequence[str]) -> str:
    return " & ".join(f"{term}:*" if len(term) > 2 else term for term in terms)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(latitude: float, longitude: float, km: float) -> tuple[float, float, float, float] | None:
    """(min lat, max lat, min lon, max lon) around a point; None for longitudes when it wraps a pole or ±180°."""
    dlat = math.degrees(km / EARTH_RADIUS_KM)
    cos_lat = math.cos(math.radians(latitude))
    if cos_lat < 1e-6 or abs(latitude) + dlat >= 90:
        return None
    dlon = math.degrees(km / (EARTH_RADIUS_KM * cos_lat))
    if longitude - dlon < -180 or longitude + dlon > 180:
        return None
    return latitude - dlat, latitude + dlat, longitude - dlon, longitude + dlon


# ---------------------------------------------------------------- keeping the index


def _connection() -> BaseDBAsyncClient:
    return Post._meta.db  # the current transaction's connection when there is one


def _is_sqlite(db: BaseDBAsyncClient) -> bool:
    return db.capabilities.dialect == "sqlite"


def document_parts(post: Post, *, proposal: Proposal | None = None, tags: Iterable[str] = ()) -> tuple[str, str, str]:
    """(title, body, tags) as indexed: folded plain text."""
    title = proposal.title if proposal is not None else ""
    body = " ".join(part for part in (post.summary, plain_text(post.content)) if part)
    tag_words = list(dict.fromkeys([*(proposal.tags if proposal is not None else []), *tags,
                                    *([proposal.category] if proposal is not None and proposal.category else [])]))
    return fold(title), fold(body), fold(" ".join(str(tag) for tag in tag_words))


async def index_post(post: Post, *, proposal: Proposal | None = None, tags: Iterable[str] = ()) -> None:
    """Add or refresh one post in the index; call it in the transaction that writes the post."""
    db = _connection()
    title, body, tag_text = document_parts(post, proposal=proposal, tags=tags)
    if _is_sqlite(db):
        await db.execute_query("DELETE FROM post_search WHERE rowid = ?", [post.id])
        await db.execute_query("INSERT INTO post_search (rowid, title, body, tags) VALUES (?, ?, ?, ?)",
                               [post.id, title, body, tag_text])
        return
    document = _PG_DOCUMENT.format(title="$2", body="$3", tags="$4")
    await db.execute_query(
        f"INSERT INTO post_search (post_id, document) VALUES ($1, {document}) "
        "ON CONFLICT (post_id) DO UPDATE SET document = EXCLUDED.document",
        [post.id, title, body, tag_text],
    )


async def index_posts(rows: Sequence[tuple[int, str, str, str]]) -> None:
    """Bulk form of `index_post` for (post id, title, body, tags) already folded; for rebuilds and seeding."""
    if not rows:
        return
    db = _connection()
    if _is_sqlite(db):
        await db.execute_many("INSERT INTO post_search (rowid, title, body, tags) VALUES (?, ?, ?, ?)",
                              [list(row) for row in rows])
        return
    document = _PG_DOCUMENT.format(title="t.title", body="t.body", tags="t.tags")
    await db.execute_query(
        f"INSERT INTO post_search (post_id, document) SELECT t.id, {document} "
        "FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) AS t(id, title, body, tags) "
        "ON CONFLICT (post_id) DO UPDATE SET document = EXCLUDED.document",
        [[row[0] for row in rows], [row[1] for row in rows], [row[2] for row in rows], [row[3] for row in rows]],
    )


async def unindex_post(post_id: int) -> None:
    db = _connection()
    column = "rowid" if _is_sqlite(db) else "post_id"
    placeholder = "?" if _is_sqlite(db) else "$1"
    await db.execute_query(f"DELETE FROM post_search WHERE {column} = {placeholder}", [post_id])


async def reindex_all(*, batch: int = 1000) -> int:
    """Rebuild the index from every post not deleted (after a restore, or for posts stored elsewhere)."""
    db = _connection()
    await db.execute_script("DELETE FROM post_search")
    count, last_id = 0, None
    while True:
        query = Post.filter(deleted_at__isnull=True).order_by("id").limit(batch)
        posts = await (query.filter(id__gt=last_id) if last_id is not None else query)
        if not posts:
            return count
        ids = [post.id for post in posts]
        proposals = {p.post_id: p for p in await Proposal.filter(post_id__in=ids)}
        tags: dict[int, list[str]] = {}
        for post_id, name in await PostTag.filter(post_id__in=ids).values_list("post_id", "name"):
            tags.setdefault(post_id, []).append(name)
        await index_posts([(post.id, *document_parts(post, proposal=proposals.get(post.id),
                                                     tags=tags.get(post.id, ()))) for post in posts])
        count, last_id = count + len(posts), ids[-1]


# ---------------------------------------------------------------- searching


class _Params:
    """Placeholders in the dialect's style, numbered in order of use."""

    def __init__(self, sqlite: bool) -> None:
        self.sqlite, self.values = sqlite, []

    def __call__(self, value: Any) -> str:
        self.values.append(value)
        return "?" if self.sqlite else f"${len(self.values)}"


async def search(text: str = "", filters: SearchFilters = SearchFilters(), *, limit: int = 20,
                 offset: int = 0) -> list[SearchHit]:
    """Posts matching the words (all of them, as prefixes) and filters: best rank first, then newest."""
    limit, offset = max(1, min(limit, MAX_LIMIT)), max(0, offset)
    db = _connection()
    terms = search_terms(text)
    if filters.near is None:
        rows = await _fetch(db, terms, filters, limit=limit, offset=offset)
    else:
        rows = await _fetch_near(db, terms, filters, limit=limit, offset=offset)
    return await _load(rows)


async def _fetch_near(db: BaseDBAsyncClient, terms: list[str], filters: SearchFilters, *, limit: int,
                      offset: int) -> list[tuple[int, float]]:
    """The bounding box narrows in SQL; the exact distance is checked here, fetching more until enough."""
    assert filters.near is not None
    latitude, longitude = filters.near
    wanted, kept, batch, position = offset + limit, [], max(4 * (offset + limit), 50), 0
    while len(kept) < wanted:
        rows = await _fetch(db, terms, filters, limit=batch, offset=position, with_place=True)
        kept.extend((row[0], row[1]) for row in rows
                    if distance_km(latitude, longitude, row[2], row[3]) <= filters.within_km)
        if len(rows) < batch:
            break
        position += batch
    return kept[offset:wanted]


async def _fetch(db: BaseDBAsyncClient, terms: list[str], filters: SearchFilters, *, limit: int, offset: int,
                 with_place: bool = False) -> list[tuple[Any, ...]]:
    sqlite = _is_sqlite(db)
    param = _Params(sqlite)
    columns = ["p.id"]
    where = ["p.deleted_at IS NULL", f"p.visibility IN ({', '.join(param(v.value) for v in filters.visibilities)})"]
    if terms and sqlite:
        source = "post_search JOIN post p ON p.id = post_search.rowid"
        where.append(f"post_search MATCH {param(_fts5_query(terms))}")
        columns.append(f"-{_BM25} AS score")
    elif terms:
        source = f"post_search s JOIN post p ON p.id = s.post_id CROSS JOIN to_tsquery('simple', {param(_tsquery(terms))}) q"
        where.append("s.document @@ q")
        columns.append("ts_rank(s.document, q) AS score")
    else:
        source = "post p"
        columns.append("0.0 AS score")
    join = "JOIN" if filters.needs_proposal else "LEFT JOIN"
    source += f" {join} proposal pr ON pr.post_id = p.id"
    where.extend(_filter_clauses(filters, param))
    if with_place:
        columns.extend(["pr.latitude", "pr.longitude"])
    if filters.domain is not None:
        source += " JOIN actor a ON a.id = p.author_id"
    order = "score DESC, p.published_at DESC, p.id DESC" if terms else "p.published_at DESC, p.id DESC"
    sql = (f"SELECT {', '.join(columns)} FROM {source} WHERE {' AND '.join(where)} "
           f"ORDER BY {order} LIMIT {param(limit)} OFFSET {param(offset)}")
    _, rows = await db.execute_query(sql, param.values)
    return [tuple(row.values()) if isinstance(row, dict) else tuple(row) for row in rows]


def _filter_clauses(filters: SearchFilters, param: _Params) -> list[str]:
    clauses = []
    for column, value in (("pr.purpose", filters.purpose), ("pr.category", filters.category),
                          ("pr.status", filters.status), ("a.domain", filters.domain)):
        if value is not None:
            clauses.append(f"{column} = {param(getattr(value, 'value', value))}")
    if filters.remote_ok is not None:
        clauses.append(f"pr.remote_ok = {param(filters.remote_ok)}")
    if filters.tag is not None:
        clauses.append("EXISTS (SELECT 1 FROM post_tag t WHERE t.post_id = p.id AND t.name = "
                       f"{param(filters.tag.lstrip('#').lower())})")
    if filters.near is not None:
        clauses.append("pr.latitude IS NOT NULL AND pr.longitude IS NOT NULL")
        box = bounding_box(*filters.near, filters.within_km)
        if box is not None:
            clauses.append(f"pr.latitude BETWEEN {param(box[0])} AND {param(box[1])}")
            clauses.append(f"pr.longitude BETWEEN {param(box[2])} AND {param(box[3])}")
    return clauses


async def _load(rows: list[tuple[int, float]]) -> list[SearchHit]:
    ids = [row[0] for row in rows]
    if not ids:
        return []
    posts = {post.id: post for post in await Post.filter(id__in=ids).prefetch_related("author")}
    proposals = {proposal.post_id: proposal for proposal in await Proposal.filter(post_id__in=ids)}
    return [SearchHit(post=posts[post_id], proposal=proposals.get(post_id), rank=float(score or 0.0))
            for post_id, score in rows if post_id in posts]
