"""The rate-limit counters: one atomic upsert per attempt, so processes sharing the database never both pass.

`INSERT … ON CONFLICT … DO UPDATE … WHERE … RETURNING` reads and writes the same on SQLite (3.35+) and
PostgreSQL; only the parameter marks differ, which `dialect.py` translates.
"""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from fedaid.models import RateLimit
from fedaid.storage.dialect import rows, run

# Parameters: 1 bucket, 2 now, 3 resets_at, 4 free attempts, 5 first wait, 6 longest wait; cast where used, as
# PostgreSQL would otherwise guess their types from the literals beside them.
# An attempt is taken unless an earlier one made it wait (the WHERE); after quiet until resets_at the count
# starts again; from the `free`-th attempt on, each one doubles the wait the next must honour, up to the longest.
_NOW, _RESETS_AT = "CAST($2 AS DOUBLE PRECISION)", "CAST($3 AS DOUBLE PRECISION)"
_FREE, _FIRST, _LONGEST = "CAST($4 AS INTEGER)", "CAST($5 AS DOUBLE PRECISION)", "CAST($6 AS DOUBLE PRECISION)"
_FIRST_INSERT_WAIT = f"CASE WHEN {_FREE} > 1 THEN 0 ELSE {_FIRST} END"
_FIRST_BLOCKED_UNTIL = f"CASE WHEN {_FREE} > 1 THEN 0 ELSE {_NOW} + {_FIRST} END"
_NEXT_WAIT = (
    f"CASE WHEN rate_limit.resets_at <= {_NOW} OR rate_limit.hits + 1 < {_FREE} THEN 0"
    f" WHEN rate_limit.wait = 0 THEN {_FIRST} WHEN rate_limit.wait * 2 > {_LONGEST} THEN {_LONGEST}"
    " ELSE rate_limit.wait * 2 END"
)
# Without a wait, blocked_until is 0, not now: an attempt whose clock read came a moment earlier still passes.
_NEXT_BLOCKED_UNTIL = f"CASE WHEN ({_NEXT_WAIT}) = 0 THEN 0 ELSE {_NOW} + ({_NEXT_WAIT}) END"
_TAKE = (
    "INSERT INTO rate_limit (bucket, hits, wait, blocked_until, resets_at)"
    f" VALUES ($1, 1, {_FIRST_INSERT_WAIT}, {_FIRST_BLOCKED_UNTIL}, {_RESETS_AT})"
    " ON CONFLICT (bucket) DO UPDATE SET"
    f" hits = CASE WHEN rate_limit.resets_at <= {_NOW} THEN 1 ELSE rate_limit.hits + 1 END,"
    f" wait = {_NEXT_WAIT}, blocked_until = {_NEXT_BLOCKED_UNTIL}, resets_at = {_RESETS_AT}"
    f" WHERE rate_limit.blocked_until <= {_NOW}"
    " RETURNING hits"
)
# Parameters: 1 bucket, 2 free attempts. One attempt given back; below `free`, no more waiting.
_GIVE_BACK = (
    "UPDATE rate_limit SET hits = hits - 1,"
    " wait = CASE WHEN hits - 1 < CAST($2 AS INTEGER) THEN 0 ELSE wait END,"
    " blocked_until = CASE WHEN hits - 1 < CAST($2 AS INTEGER) THEN 0 ELSE blocked_until END"
    " WHERE bucket = $1 AND hits > 0"
)


async def take_attempt(
    bucket: str, now: float, *, free: int, first_wait: float, longest_wait: float, forget_after: float
) -> float:
    """Count one attempt in `bucket` and return 0, or return the seconds to wait when it may not be taken yet."""
    client = _client()
    values = [bucket, now, now + forget_after, free, float(first_wait), float(longest_wait)]
    if await rows(client, _TAKE, values):
        return 0.0
    row = await RateLimit.get_or_none(bucket=bucket).only("bucket", "blocked_until")
    wait = row.blocked_until - now if row is not None else 0.0
    if wait > 0:
        return wait
    # The wait ended between the two statements: try once more, and count it as a wait if it is refused again.
    return 0.0 if await rows(client, _TAKE, values) else first_wait


async def give_back_attempt(bucket: str, *, free: int) -> None:
    """Uncount one attempt of `bucket` (it succeeded); with fewer than `free` left, the bucket no longer waits."""
    await run(_client(), _GIVE_BACK, [bucket, free])


def _client() -> BaseDBAsyncClient:
    return RateLimit._meta.db
