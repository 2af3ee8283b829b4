"""What remote actors do to their own accounts and to ours: update, delete themselves, block, move."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from fedaid.activitypub.parse.inbound import ActorUpdated, Blocked, Moved
from fedaid.clock import utcnow
from fedaid.domain import remote_posts
from fedaid.domain.actors import find_local_actor
from fedaid.domain.inbound import Incoming
from fedaid.models import Actor, Follow

log = logging.getLogger("fedaid.remote_accounts")


async def receive_actor_updated(incoming: Incoming, updated: ActorUpdated) -> None:
    """Update of the actor itself: the inbox checked it is signed by that actor; take the origin's copy
    (Mastodon does the same in ActivityPub::Activity::Update#update_account)."""
    await incoming.remote.refresh_actor(updated.ap_id)


async def receive_actor_deleted(ap_id: str) -> None:
    """A remote actor deleted itself: it becomes a tombstone, its follows end and its posts go.

    Called without fetching the actor: its server answers 410 for it now.
    """
    actor = await Actor.get_or_none(ap_id=ap_id, is_local=False)
    if actor is None or actor.is_deleted:
        return
    async with in_transaction():
        await Actor.filter(id=actor.id).update(deleted_at=utcnow())
        await Follow.filter(Q(follower=actor) | Q(target=actor)).delete()
        await remote_posts.delete_posts_of(actor)


async def receive_block(incoming: Incoming, blocked: Blocked) -> None:
    """A remote actor blocks one of ours: the follows between them end (as Mastodon does in
    ActivityPub::Activity::Block)."""
    target = await find_local_actor(blocked.target_ap_id)
    if target is not None:
        blocker = incoming.actor
        await Follow.filter(Q(follower=blocker, target=target) | Q(follower=target, target=blocker)).delete()


async def receive_move(incoming: Incoming, moved: Moved) -> None:
    """Record where an actor moved, once the new account confirms it by `alsoKnownAs` (Mastodon's
    ActivityPub::Activity::Move checks the same before it moves followers)."""
    actor = incoming.actor
    if actor.ap_id not in await incoming.remote.also_known_as(moved.target_ap_id):
        log.info("Move not confirmed by the new account", extra={"actor": actor.ap_id, "target": moved.target_ap_id})
        return
    await Actor.filter(id=actor.id).update(moved_to=moved.target_ap_id[:512])


async def suspended_among(actor_ids: Iterable[int]) -> frozenset[int]:
    """Those of `actor_ids` a moderator suspended: one query for a whole batch."""
    wanted = list(set(actor_ids))
    if not wanted:
        return frozenset()
    return frozenset(actor.id for actor in await Actor.filter(id__in=wanted, suspended_at__isnull=False).only("id"))


async def is_suspended(actor: Actor) -> bool:
    """Whether a moderator suspended this account (read from the table: cached actors may be older)."""
    return await Actor.filter(id=actor.id, suspended_at__isnull=False).exists()
