"""Hand-written SQL for the API's hottest reads, where building the query costs more than running it.

Only plain, dialect-neutral SELECTs with `?` placeholders; they become `$1, $2…` on PostgreSQL.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import count
from typing import Any

from tortoise.models import Model

from fedaid.api.pagination import Page
from fedaid.models import DomainPolicy, Follow, FollowState, PolicyKind, Reblog


async def select(model: type[Model], sql: str, values: list[Any]) -> list[Any]:
    """The rows (indexable by position) `sql` returns, on the connection `model` is read from."""
    connection = model._meta.db
    if connection.capabilities.dialect == "postgres":
        sql = _numbered(sql)
    _, rows = await connection.execute_query(sql, values)
    return list(rows)


async def followed_ids(actor_id: int) -> list[int]:
    """The actors `actor_id` follows (accepted follows only)."""
    rows = await select(
        Follow, "SELECT target_id FROM follow WHERE follower_id=? AND state=?", [actor_id, FollowState.ACCEPTED.value]
    )
    return [row[0] for row in rows]


async def boost_ids(actor_ids: list[int], page: Page) -> list[int]:
    """The page of boosts by `actor_ids` of posts neither deleted nor by one of them (a home timeline's boosts)."""
    actors = marks(len(actor_ids))
    sql = (
        f"SELECT reblog.id FROM reblog JOIN post ON post.id=reblog.post_id WHERE reblog.actor_id IN ({actors}) "
        f"AND post.author_id NOT IN ({actors}) AND post.deleted_at IS NULL"
    )
    values: list[Any] = [*actor_ids, *actor_ids]
    for bound, operator in ((page.max_id, "<"), (page.since_id, ">"), (page.min_id, ">")):
        if bound is not None:
            sql += f" AND reblog.id{operator}?"
            values.append(bound)
    sql += f" ORDER BY reblog.id {'ASC' if page.min_id is not None else 'DESC'} LIMIT ?"
    return [row[0] for row in await select(Reblog, sql, [*values, page.limit])]


async def silenced_domains() -> list[str]:
    """The domains an admin silenced (their posts stay out of public timelines)."""
    rows = await select(DomainPolicy, "SELECT domain FROM domain_policy WHERE kind=?", [PolicyKind.SILENCE.value])
    return [row[0] for row in rows]


def marks(n: int) -> str:
    """`?,?,…` for a list of `n` values (`n` ≥ 1)."""
    return ",".join("?" * n)


@lru_cache(maxsize=256)
def _numbered(sql: str) -> str:
    numbers = count(1)
    return "".join(f"${next(numbers)}{part}" if index else part for index, part in enumerate(sql.split("?")))
