"""What an account shows beside its profile, read in batch for a page of actors: follower, following and
post counts, and how the viewer and each actor follow one another."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.functions import Count, Max

from fedaid.models import Follow, FollowState, Post


@dataclass(frozen=True)
class AccountStats:
    """An actor's counts: accepted followers and follows, posts not deleted, and when the last was published."""

    followers: int = 0
    following: int = 0
    statuses: int = 0
    last_status_at: datetime | None = None


@dataclass(frozen=True)
class FollowStates:
    """Follow states between a viewer and some actors, by actor id: `outgoing` the viewer's, `incoming` theirs."""

    outgoing: dict[int, str]
    incoming: dict[int, str]


async def account_stats(actor_ids: Iterable[int]) -> dict[int, AccountStats]:
    """The counts of each actor, by id (zeros for an actor with no rows)."""
    wanted = sorted(set(actor_ids))
    if not wanted:
        return {}
    followers = await count_by(Follow.filter(target_id__in=wanted, state=FollowState.ACCEPTED), "target_id")
    following = await count_by(Follow.filter(follower_id__in=wanted, state=FollowState.ACCEPTED), "follower_id")
    posts = await (
        Post.filter(author_id__in=wanted, deleted_at__isnull=True)
        .group_by("author_id")
        .annotate(n=Count("id"), last=Max("published_at"))
        .values("author_id", "n", "last")
    )
    by_author = {row["author_id"]: row for row in posts}
    return {
        actor_id: AccountStats(
            followers.get(actor_id, 0),
            following.get(actor_id, 0),
            by_author.get(actor_id, {}).get("n", 0),
            by_author.get(actor_id, {}).get("last"),
        )
        for actor_id in wanted
    }


async def follow_states(viewer_id: int, actor_ids: list[int]) -> FollowStates:
    """Whether the viewer follows (or asked to follow) each actor, and each actor the viewer."""
    outgoing: dict[int, str] = {}
    incoming: dict[int, str] = {}
    if actor_ids:
        for row in await Follow.filter(follower_id=viewer_id, target_id__in=actor_ids).values("target_id", "state"):
            outgoing[row["target_id"]] = row["state"]
        for row in await Follow.filter(target_id=viewer_id, follower_id__in=actor_ids).values("follower_id", "state"):
            incoming[row["follower_id"]] = row["state"]
    return FollowStates(outgoing, incoming)


async def count_by(query: Any, key: str) -> dict[int, int]:
    """The rows of `query` counted by the value of `key`."""
    rows = await query.group_by(key).annotate(n=Count("id")).values(key, "n")
    return {row[key]: row["n"] for row in rows}
