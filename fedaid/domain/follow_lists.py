"""Follow rows read a page at a time: an actor's followers and follows, and the requests waiting for a member."""

from __future__ import annotations

from collections.abc import Iterable

from fedaid.domain.paging import Page, fetch_page
from fedaid.models import Actor, Follow, FollowState


async def followers_page(actor: Actor, page: Page) -> list[Follow]:
    """Accepted follows of `actor`, newest first, each with its `follower` loaded."""
    return await fetch_page(
        Follow.filter(target_id=actor.id, state=FollowState.ACCEPTED).select_related("follower"), page
    )


async def following_page(actor: Actor, page: Page) -> list[Follow]:
    """Accepted follows by `actor`, newest first, each with its `target` loaded."""
    return await fetch_page(
        Follow.filter(follower_id=actor.id, state=FollowState.ACCEPTED).select_related("target"), page
    )


async def follow_requests_page(actor: Actor, page: Page) -> list[Follow]:
    """Follows of `actor` waiting for an answer, newest first, each with its `follower` loaded."""
    return await fetch_page(
        Follow.filter(target_id=actor.id, state=FollowState.PENDING).select_related("follower"), page
    )


async def find_follow_request(follower: Actor, target: Actor) -> Follow | None:
    """The follow `follower` asked of `target` if it still waits for an answer."""
    return await Follow.get_or_none(follower_id=follower.id, target_id=target.id, state=FollowState.PENDING)


async def accepted_follow_pairs(follower_ids: Iterable[int], target_ids: Iterable[int]) -> set[tuple[int, int]]:
    """(follower id, target id) of each accepted follow between these followers and these targets."""
    query = Follow.filter(
        follower_id__in=sorted(set(follower_ids)), target_id__in=sorted(set(target_ids)), state=FollowState.ACCEPTED
    )
    return {(int(follower), int(target)) for follower, target in await query.values_list("follower_id", "target_id")}
