"""Alliances: a collective (Group) and another server's collective following each other.

An alliance is a pair of follows between two collectives. It starts as the other collective's
Follow of ours; the federation mode and the domain's policy decide whether it may be asked at all
(`policy.alliance_decision`), and every request that may be made waits for an admin of ours. Once an
admin accepts, ours follows back, so members-only posts travel both ways (only between collectives
whose both follows are accepted: `visibility.allied_groups`). Either side's Undo or Reject ends both
(`follows.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from fedaid.domain.follows import approve_follow, end_both_halves, follow, reject_follow
from fedaid.errors import InvalidInput, NotFound
from fedaid.models import Actor, ActorType, Follow, FollowState, GroupKind


@dataclass(frozen=True)
class Alliance:
    """Our collective and another one: each direction's follow state (None when there is no follow)."""

    group: Actor
    ours: FollowState | None  # our collective following theirs
    theirs: FollowState | None  # theirs following ours

    @property
    def is_active(self) -> bool:
        return self.ours == FollowState.ACCEPTED and self.theirs == FollowState.ACCEPTED

    @property
    def status(self) -> str:
        if self.is_active:
            return "allied"
        if self.theirs == FollowState.PENDING:
            return "asked by them, waiting for an admin"
        if self.ours == FollowState.PENDING:
            return "asked by us, waiting for them"
        return "half-allied"  # one direction accepted, the other still on its way


async def request_alliance(collective: Actor, group: Actor) -> Follow:
    """Our collective asks another to ally: a Follow of its Group. When that collective had already asked
    ours, asking back is the admin's consent: its request is accepted too."""
    if not (collective.is_local and collective.is_collective) or not group.is_collective or group.is_local:
        raise InvalidInput(f"{group.acct} is not another server's collective (a Group actor).")
    waiting = await Follow.get_or_none(follower=group, target=collective, state=FollowState.PENDING)
    if waiting is not None:
        await approve_follow(waiting)
    return await follow(collective, group)


async def list_alliances(collective: Actor) -> list[Alliance]:
    """Every collective ours follows or is followed by, with each direction's state."""
    rows = (
        await Follow.filter(Q(follower=collective) | Q(target=collective))
        .filter(Q(follower__type=ActorType.GROUP) & Q(target__type=ActorType.GROUP))
        .filter(follower__group_kind=GroupKind.COLLECTIVE, target__group_kind=GroupKind.COLLECTIVE)
        .select_related("follower", "target")
    )
    states: dict[int, dict[str, FollowState]] = {}
    groups: dict[int, Actor] = {}
    for row in rows:
        other, direction = (row.target, "ours") if row.follower_id == collective.id else (row.follower, "theirs")
        if other.is_local:
            continue
        groups[other.id] = other
        states.setdefault(other.id, {})[direction] = FollowState(row.state)
    return [
        Alliance(groups[gid], states[gid].get("ours"), states[gid].get("theirs"))
        for gid in sorted(groups, key=lambda gid: groups[gid].acct)
    ]


async def find_alliance(collective: Actor, group: Actor) -> Alliance | None:
    """The alliance, asked or made, between our collective and `group`; None when neither follows the other."""
    return next((a for a in await list_alliances(collective) if a.group.id == group.id), None)


async def approve_alliance(collective: Actor, group: Actor) -> Follow:
    """An admin accepts another collective's request: Accept, then our Follow back."""
    row = await Follow.get_or_none(follower=group, target=collective)
    if row is None:
        raise NotFound(f"{group.acct} has not asked to ally with {collective.acct}.")
    return await approve_follow(row)


async def reject_alliance(collective: Actor, group: Actor) -> None:
    """An admin refuses another collective's request."""
    row = await Follow.get_or_none(follower=group, target=collective, state=FollowState.PENDING)
    if row is None:
        raise NotFound(f"There is no pending request from {group.acct}.")
    await reject_follow(row)


async def end_alliance(collective: Actor, group: Actor) -> bool:
    """End an alliance from our side: Undo our follow and Reject theirs. True when there was one."""
    async with in_transaction():
        had = await Follow.filter(Q(follower=collective, target=group) | Q(follower=group, target=collective)).exists()
        await end_both_halves(collective, group)
    return had
