"""The reads every client API call and home or public timeline page makes, as fixed statements
(`statements.py` says why): the bearer token with its app and member, a home or public page with what the
viewer did to its posts, the posts a page renders with their authors, an account's counts, and the remote
followers each new post is delivered to. The domain decides what they select (audiences, authors); these only
run it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fedaid.models import Account, Actor, OAuthApp, OAuthToken, Post, Reblog
from fedaid.storage.statements import attach, column_names, columns, fetch_rows, instance, marks

_TOKEN = (
    f"SELECT {columns(OAuthToken, 't')}, {columns(OAuthApp, 'app')}, {columns(Account, 'acc')},"
    f" {columns(Actor, 'act')}"
    " FROM oauth_token t JOIN oauth_app app ON app.id = t.app_id"
    " LEFT JOIN account acc ON acc.id = t.account_id LEFT JOIN actor act ON act.id = acc.actor_id"
    " WHERE t.token_hash = $1"
)


async def token_by_hash(token_hash: str) -> OAuthToken | None:
    """The token with this hash, its `app`, and its `account` with the account's `actor`, in one query."""
    rows = await fetch_rows(OAuthToken, _TOKEN, [token_hash])
    if not rows:
        return None
    row = rows[0]
    token = instance(OAuthToken, row, "t")
    attach(token, "app", instance(OAuthApp, row, "app"))
    account = None
    if row["acc.id"] is not None:
        account = instance(Account, row, "acc")
        attach(account, "actor", instance(Actor, row, "act"))
    attach(token, "account", account)
    return token


@dataclass(frozen=True)
class IdWindow:
    """Ids older than `before`, newer than `after`, at most `limit`; oldest first when `oldest_first`."""

    before: int | None
    after: int | None
    limit: int
    oldest_first: bool

    def clause(self, column: str, first_mark: int) -> tuple[str, list[Any]]:
        """The SQL after WHERE's other conditions (" AND … ORDER BY … LIMIT …") and its values.

        The limit is written in the SQL, not bound: PostgreSQL prices a generic plan for an unknown LIMIT as if
        it read most of the table, so it planned each execution of a bound one anew (its plan cache's "auto"
        mode): 0.6 ms of its CPU for each home page, more than running it (0.24 ms). A limit is 1-40
        (`api/pagination.read_limit`), so a statement has at most 40 texts, each planned once per connection.
        https://www.postgresql.org/docs/current/sql-prepare.html (Notes)
        """
        sql, values = "", list[Any]()
        for operator, bound in (("<", self.before), (">", self.after)):
            if bound is not None:
                sql += f" AND {column} {operator} ${first_mark + len(values)}"
                values.append(bound)
        order = "ASC" if self.oldest_first else "DESC"
        sql += f" ORDER BY {column} {order} LIMIT {int(self.limit)}"
        return sql, values


POST_STAMP_COLUMNS = "p.id, p.updated_at, p.deleted_at, p.visibility, p.author_id"


_REMOTE_FOLLOWERS = (
    f"SELECT {columns(Actor, 'a')} FROM follow f JOIN actor a ON a.id = f.follower_id"
    " WHERE f.target_id = $1 AND f.state = $2 AND a.is_local = $3 AND a.deleted_at IS NULL ORDER BY a.id"
)


async def remote_followers(target_id: int, state: str) -> list[Actor]:
    """The remote actors, not deleted, whose follows of `target_id` are in `state`, by id: the recipients of
    each new post, read in its transaction (Tortoise built this join in about 1 ms of CPU on SQLite)."""
    rows = await fetch_rows(Actor, _REMOTE_FOLLOWERS, [target_id, state, False])
    return [instance(Actor, row, "a") for row in rows]


@dataclass(frozen=True)
class PageRow:
    """One line of a timeline page: its post's `POST_STAMP_COLUMNS` as a tuple, the boost when the line is one,
    and whether the viewer favourited and boosted the post."""

    stamp: tuple[Any, ...]
    boost: Reblog | None
    favourited: bool
    reblogged: bool


def _viewer_reactions(post_id: str) -> str:
    """Whether the viewer ($1, NULL for no one) favourited and boosted the post `post_id` names, read with the
    page's posts rather than by a statement of their own."""
    return (
        f"EXISTS (SELECT 1 FROM favourite f WHERE f.actor_id = $1 AND f.post_id = {post_id}) AS favourited,"
        f" EXISTS (SELECT 1 FROM reblog b WHERE b.actor_id = $1 AND b.post_id = {post_id}) AS reblogged"
    )


async def home_page(
    viewer_id: int, follow_state: str, audiences: Sequence[str], boost_audiences: Sequence[str], window: IdWindow
) -> list[PageRow]:
    """The home timeline's two pages in one statement, with the viewer's reactions: the posts of the viewer and of
    the actors they follow in follows of `follow_state`, in `audiences`, not deleted, hidden ones only the
    viewer's own; and these actors' boosts of others' posts in `boost_audiences`, not deleted nor hidden. Each
    is the id window's page (posts by post id, boosts by boost id); the caller merges them.

    One statement where there were four (the followed ids, the posts, the boosts and the reactions; a fifth for
    boosted posts not on the page): on PostgreSQL each cost a web process about 250 µs of CPU with 25
    requests at once.
    """
    values: list[Any] = [viewer_id, follow_state, *audiences]
    posts = (
        f"SELECT {POST_STAMP_COLUMNS}, {_viewer_reactions('p.id')} FROM post p"
        f" WHERE p.author_id IN (SELECT id FROM authors) AND p.visibility IN ({marks(3, len(audiences))})"
        " AND p.deleted_at IS NULL AND (p.hidden_at IS NULL OR p.author_id = $1)"
    )
    page, page_values = window.clause("p.id", len(values) + 1)
    posts, values = posts + page, values + page_values
    boosts = (
        # CROSS JOIN keeps SQLite's join order, boosts first: joined the other way it walks every public post
        # by the audience index (ms, not µs, with few boosts). PostgreSQL plans it as an inner join.
        f"SELECT {columns(Reblog, 'r')}, {POST_STAMP_COLUMNS}, {_viewer_reactions('p.id')}"
        " FROM reblog r CROSS JOIN post p WHERE p.id = r.post_id AND r.actor_id IN (SELECT id FROM authors)"
        " AND p.author_id NOT IN (SELECT id FROM authors) AND p.deleted_at IS NULL AND p.hidden_at IS NULL"
        f" AND p.visibility IN ({marks(len(values) + 1, len(boost_audiences))})"
    )
    values += boost_audiences
    page, page_values = window.clause("r.id", len(values) + 1)
    boosts, values = boosts + page, values + page_values
    boost_columns = [f'"r.{column}"' for column in column_names(Reblog)]
    shared = "id, updated_at, deleted_at, visibility, author_id, favourited, reblogged"
    sql = (
        # The followed ids as a table, not a list bound to the statement: SQLite plans both alike (the audience
        # index, then a sort of the few matches), and PostgreSQL walks the posts newest first either way.
        "WITH authors AS (SELECT target_id AS id FROM follow WHERE follower_id = $1 AND state = $2"
        f" UNION ALL SELECT $1), posts AS ({posts}), boosts AS ({boosts})"
        f" SELECT {shared}, {', '.join(f'NULL AS {name}' for name in boost_columns)} FROM posts"
        f" UNION ALL SELECT {shared}, {', '.join(boost_columns)} FROM boosts"
    )
    return [
        PageRow(stamp, instance(Reblog, row, "r") if row["r.id"] is not None else None, *reactions)
        for row, stamp, reactions in _page_rows(await fetch_rows(Post, sql, values))
    ]


async def public_page(viewer_id: int | None, window: IdWindow, *, is_local: bool | None, silence: str) -> list[PageRow]:
    """Public posts, not deleted nor hidden, by no silenced account nor author on a domain with a policy of kind
    `silence` or on one of its subdomains (local or remote ones only when `is_local` says), with the viewer's
    reactions: the window's page."""
    values: list[Any] = [viewer_id, "public", silence]
    sql = (
        f"SELECT {POST_STAMP_COLUMNS}, {_viewer_reactions('p.id')} FROM post p"
        " WHERE p.visibility = $2 AND p.deleted_at IS NULL AND p.hidden_at IS NULL"
        # Looked up per post (by primary key) while walking newest first: a list of silenced actors would
        # scan the whole actor table on each page.
        " AND NOT EXISTS (SELECT 1 FROM actor a WHERE a.id = p.author_id AND (a.silenced_at IS NOT NULL"
        " OR EXISTS (SELECT 1 FROM domain_policy d WHERE d.kind = $3 AND (a.domain = d.domain"
        " OR a.domain LIKE '%.' || replace(replace(replace(d.domain, '!', '!!'), '%', '!%'), '_', '!_')"
        " ESCAPE '!'))))"
    )
    if is_local is not None:
        sql += f" AND p.is_local = ${len(values) + 1}"
        values.append(is_local)
    page, page_values = window.clause("p.id", len(values) + 1)
    rows = await fetch_rows(Post, sql + page, values + page_values)
    return [PageRow(stamp, None, *reactions) for _, stamp, reactions in _page_rows(rows)]


async def policy_domains(kind: str) -> list[str]:
    """The domains with a policy of `kind`."""
    rows = await fetch_rows(Post, "SELECT domain FROM domain_policy WHERE kind = $1", [kind])
    return [row["domain"] for row in rows]


async def reactions_of(actor_id: int, post_ids: Sequence[int]) -> list[tuple[str, int]]:
    """("favourited" | "reblogged", post id) for each of these posts the actor favourited or boosted."""
    if not post_ids:
        return []
    listed = marks(2, len(post_ids))
    sql = (
        f"SELECT 'favourited' AS kind, post_id FROM favourite WHERE actor_id = $1 AND post_id IN ({listed})"
        f" UNION ALL SELECT 'reblogged' AS kind, post_id FROM reblog WHERE actor_id = $1 AND post_id IN ({listed})"
    )
    return [(row["kind"], row["post_id"]) for row in await fetch_rows(Post, sql, [actor_id, *post_ids])]


def _page_rows(
    rows: Sequence[Mapping[str, Any]],
) -> list[tuple[Mapping[str, Any], tuple[Any, ...], tuple[bool, bool]]]:
    """Each row, its `POST_STAMP_COLUMNS` as a tuple (dates and audience converted as the ORM would), and its
    viewer's reactions (SQLite answers EXISTS with 0 or 1)."""
    fields = Post._meta.fields_map
    updated, deleted, visibility = fields["updated_at"], fields["deleted_at"], fields["visibility"]
    return [
        (
            row,
            (
                row["id"],
                updated.to_python_value(row["updated_at"]),
                deleted.to_python_value(row["deleted_at"]),
                visibility.to_python_value(row["visibility"]),
                row["author_id"],
            ),
            (bool(row["favourited"]), bool(row["reblogged"])),
        )
        for row in rows
    ]


async def account_counts(actor_ids: Sequence[int], state: str) -> dict[str, dict[int, tuple[int, Any]]]:
    """For these actors: {"statuses" | "followers" | "following": {actor id: (count, last published)}}, posts not
    deleted and follows in `state`; the last published date (as the driver returns it) for statuses only.

    One statement where Tortoise made three, each waiting its turn for SQLite's connection behind the writes of
    every request under way (its reads are not `read_now`'s): a member's first status after a quiet while
    rendered their account in 570 ms while others posted (bench/api.py's status creation p99).
    """
    counts: dict[str, dict[int, tuple[int, Any]]] = {"statuses": {}, "followers": {}, "following": {}}
    if not actor_ids:
        return counts
    listed = marks(2, len(actor_ids))
    sql = (
        # Statuses first: PostgreSQL types the NULL dates of the later parts from this one.
        "SELECT 'statuses' AS kind, author_id AS actor_id, COUNT(*) AS n, MAX(published_at) AS last FROM post"
        f" WHERE author_id IN ({listed}) AND deleted_at IS NULL GROUP BY author_id"
        " UNION ALL SELECT 'followers' AS kind, target_id AS actor_id, COUNT(*) AS n, NULL AS last FROM follow"
        f" WHERE target_id IN ({listed}) AND state = $1 GROUP BY target_id"
        " UNION ALL SELECT 'following' AS kind, follower_id AS actor_id, COUNT(*) AS n, NULL AS last FROM follow"
        f" WHERE follower_id IN ({listed}) AND state = $1 GROUP BY follower_id"
    )
    for row in await fetch_rows(Post, sql, [state, *actor_ids]):
        counts[row["kind"]][row["actor_id"]] = (row["n"], row["last"])
    return counts


async def reaction_counts(post_ids: Sequence[int]) -> dict[str, dict[int, int]]:
    """For these posts: {"replies" | "favourites" | "reblogs": {post id: count}} (replies not deleted)."""
    counts: dict[str, dict[int, int]] = {"replies": {}, "favourites": {}, "reblogs": {}}
    if not post_ids:
        return counts
    listed = marks(1, len(post_ids))
    sql = (
        "SELECT 'replies' AS kind, in_reply_to_id AS post_id, COUNT(*) AS n FROM post"
        f" WHERE in_reply_to_id IN ({listed}) AND deleted_at IS NULL GROUP BY in_reply_to_id"
        " UNION ALL SELECT 'favourites' AS kind, post_id, COUNT(*) AS n FROM favourite"
        f" WHERE post_id IN ({listed}) GROUP BY post_id"
        " UNION ALL SELECT 'reblogs' AS kind, post_id, COUNT(*) AS n FROM reblog"
        f" WHERE post_id IN ({listed}) GROUP BY post_id"
    )
    for row in await fetch_rows(Post, sql, post_ids):
        counts[row["kind"]][row["post_id"]] = row["n"]
    return counts


async def tags_of_posts(post_ids: Sequence[int]) -> list[tuple[int, str]]:
    """(post id, hashtag) for these posts, in the order the tags were set."""
    if not post_ids:
        return []
    sql = f"SELECT post_id, name FROM post_tag WHERE post_id IN ({marks(1, len(post_ids))}) ORDER BY id"
    return [(row["post_id"], row["name"]) for row in await fetch_rows(Post, sql, post_ids)]


async def posts_with_authors(post_ids: Sequence[int]) -> list[Post]:
    """The posts with these ids, each with its `author` attached, by id (as `select_related("author")` would
    load them, in a tenth of its CPU)."""
    if not post_ids:
        return []
    sql = (
        f"SELECT {columns(Post, 'p')}, {columns(Actor, 'a')} FROM post p JOIN actor a ON a.id = p.author_id"
        f" WHERE p.id IN ({marks(1, len(post_ids))}) ORDER BY p.id"
    )
    posts = []
    for row in await fetch_rows(Post, sql, post_ids):
        post = instance(Post, row, "p")
        attach(post, "author", instance(Actor, row, "a"))
        posts.append(post)
    return posts
