"""Hand-written SQL for the API's hottest reads, where building the query costs more than running it.

Only plain, dialect-neutral SELECTs with `?` placeholders; they become `$1, $2…` on PostgreSQL.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import count
from typing import Any

from tortoise.models import Model

from fedaid.models import DomainPolicy, Follow, FollowState, PolicyKind


async def select(model: type[Model], sql: str, values: list[Any]) -> list[Any]:
    """The rows (indexable by position) `sql` returns, on the connection `model` is read from."""
    connection = model._meta.db
    if connection.capabilities.dialect == "postgres":
        sql = _numbered(sql)
    _, rows = await connection.execute_query(sql, values)
    return list(rows)


async def followed_ids(actor_id: int) -> list[int]:
    """The actors `actor_id` follows (accepted follows only)."""
    rows = await select(Follow, "SELECT target_id FROM follow WHERE follower_id=? AND state=?",
                        [actor_id, FollowState.ACCEPTED.value])
    return [row[0] for row in rows]


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
