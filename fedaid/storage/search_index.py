"""The search index per dialect: the `post_search` table migration 0002 creates as an FTS5 virtual table on
SQLite and as a weighted tsvector with a GIN index on PostgreSQL. What goes in and which facets a search asks
for are the domain's (`domain/search.py`, `domain/search_tokens.py`); here they become each dialect's SQL.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from fedaid.models import Post
from fedaid.storage.dialect import is_sqlite, rows, run, run_many

# Ranking weights: FTS5 bm25 per column (title, body, tags, facets); PostgreSQL ts_rank {D, C, B, A}.
_BM25 = "bm25(post_search, 4.0, 1.0, 2.0, 0.0)"
_TS_WEIGHTS = "'{0, 0.2, 0.4, 1.0}'"
_PG_DOCUMENT = (
    "setweight(to_tsvector('simple', t.title), 'A') || setweight(to_tsvector('simple', t.tags), 'B')"
    " || setweight(to_tsvector('simple', t.body), 'C') || setweight(to_tsvector('simple', t.facets), 'D')"
)
_TSQUERY_SAFE = re.compile(r"(?:[^\W_]|[:*()|& ])+")


@dataclass(frozen=True)
class IndexEntry:
    """One post as indexed: folded title, body and tags, and its facet tokens (space-separated)."""

    post_id: int
    title: str
    body: str
    tags: str
    facets: str


def _connection() -> BaseDBAsyncClient:
    return Post._meta.db  # the current transaction's connection when there is one


async def insert_entries(entries: Sequence[IndexEntry]) -> None:
    """Insert entries for posts not indexed yet, in one statement."""
    db = _connection()
    if is_sqlite(db):
        await run_many(
            db,
            "INSERT INTO post_search (rowid, title, body, tags, facets) VALUES ($1, $2, $3, $4, $5)",
            [[e.post_id, e.title, e.body, e.tags, e.facets] for e in entries],
        )
        return
    await run(
        db,
        f"INSERT INTO post_search (post_id, document) SELECT t.id, {_PG_DOCUMENT} FROM unnest($1::bigint[], "
        "$2::text[], $3::text[], $4::text[], $5::text[]) AS t(id, title, body, tags, facets)",
        [
            [e.post_id for e in entries],
            [e.title for e in entries],
            [e.body for e in entries],
            [e.tags for e in entries],
            [e.facets for e in entries],
        ],
    )


async def delete_entry(post_id: int) -> None:
    """Take one post out of the index."""
    db = _connection()
    await run(db, f"DELETE FROM post_search WHERE {_key(db)} = $1", [post_id])


async def delete_all() -> None:
    """Empty the index (before a rebuild)."""
    await _connection().execute_script("DELETE FROM post_search")


def _key(db: BaseDBAsyncClient) -> str:
    return "post_search.rowid" if is_sqlite(db) else "post_search.post_id"


class _Params:
    """`$n` placeholders numbered in order of use, with their values."""

    def __init__(self) -> None:
        self.values: list[Any] = []

    def __call__(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}"


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


def _match_and_score(db: BaseDBAsyncClient, terms: list[str], groups: list[list[str]], param: _Params) -> list[str]:
    """The WHERE clause finding the words and facets, and the score to rank on (0.0 without words)."""
    if is_sqlite(db):
        return [f"post_search MATCH {param(_fts5_match(terms, groups))}", f"-{_BM25}" if terms else "0.0"]
    # The tsquery is written into the SQL, not bound: asyncpg prepares statements, and PostgreSQL's generic
    # plan for a bound tsquery cannot weigh how common the words are. It holds only letters, digits and
    # tsquery operators (see _tsquery), never a quote. Ranked on the words alone: ts_rank of an AND with a
    # zero-weight facet is zero.
    match = f"post_search.document @@ to_tsquery('simple', '{_tsquery(terms, groups)}')"
    if not terms:
        return [match, "0.0"]
    return [match, f"ts_rank({_TS_WEIGHTS}, post_search.document, to_tsquery('simple', '{_tsquery(terms, [])}'))"]


async def matching_rows(
    terms: list[str],
    groups: list[list[str]],
    *,
    with_place: bool,
    box: tuple[float, float, float, float] | None,
    box_before_limit: bool,
    limit: int,
    offset: int,
    rank_window: int,
) -> list[tuple[Any, ...]]:
    """(post id, score) rows whose entries hold every word (as prefixes) and a facet of each group, best
    first. `with_place` adds each proposal's latitude and longitude, and keeps it within `box` (south, north,
    west, east) if there is one: among the rows found, or before the index's limit with `box_before_limit`.

    One index lookup intersects the words with the facets, newest first (post ids are time-ordered). Without
    words, that order is the answer. With words, the `rank_window` newest matches are ranked: a word found in
    most posts would otherwise rank the whole table, and this keeps the cost flat as posts accumulate.
    """
    db, param = _connection(), _Params()
    key = _key(db)
    match, score = _match_and_score(db, terms, groups, param)

    def placed(alias: str) -> tuple[str, str]:
        """A join to the proposal's place and, when the box is known, the clause keeping it inside."""
        join = f" JOIN proposal {alias} ON {alias}.post_id = "
        if box is None:
            return join, ""
        return join, (
            f" AND {alias}.latitude BETWEEN {param(box[0])} AND {param(box[1])}"
            f" AND {alias}.longitude BETWEEN {param(box[2])} AND {param(box[3])}"
        )

    join, within = placed("inside") if box_before_limit else ("", "")
    window = f"LIMIT {rank_window}" if terms else f"LIMIT {param(limit)} OFFSET {param(offset)}"
    inner = (
        f"SELECT {key} AS id, {score} AS score FROM post_search{join + key if join else ''} "
        f"WHERE {match}{within} ORDER BY {key} DESC {window}"
    )
    columns, join, within = "found.id AS id, found.score AS score", "", ""
    if with_place:
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
    return [tuple(row.values()) for row in await rows(db, sql, param.values)]
