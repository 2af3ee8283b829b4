"""What an account shows beside its profile, read in batch for a page of actors: follower, following and
post counts, and how the viewer and each actor follow one another."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from fedaid.models import Follow, FollowState, Post
from fedaid.storage import hot_reads


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
    counts = await hot_reads.account_counts(wanted, FollowState.ACCEPTED.value)
    published = Post._meta.fields_map["published_at"]
    statuses, followers, following = counts["statuses"], counts["followers"], counts["following"]
    return {
        actor_id: AccountStats(
            followers.get(actor_id, (0, None))[0],
            following.get(actor_id, (0, None))[0],
            statuses.get(actor_id, (0, None))[0],
            published.to_python_value(statuses[actor_id][1]) if actor_id in statuses else None,
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
