"""Follows between actors: asked, received, accepted, rejected and undone.

No network: every answer to another server is a `Delivery` queued by `publish` in the same
transaction as the change. Everything received is idempotent (as in Mastodon's Activity::Follow): a Follow, Accept,
Reject or Undo seen twice changes nothing the second time.

A follow between two collectives is half of an alliance (`alliances.py`): either side's Undo or Reject
ends both halves, and a request to ally waits for an admin of ours (`policy.alliance_decision`).
"""

from __future__ import annotations

from collections.abc import Iterable

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from fedaid.activitypub.activities import follow_ap_id, render_accept, render_follow, render_reject, render_undo_follow
from fedaid.activitypub.parse.inbound import FollowRef, FollowRequested
from fedaid.clock import utcnow
from fedaid.domain.actors import find_local_actor
from fedaid.domain.inbound import Incoming
from fedaid.domain.policy import AllianceDecision, alliance_decision
from fedaid.domain.publish import publish
from fedaid.errors import Conflict, InvalidInput, NotFound
from fedaid.models import (
    AccountRole,
    Actor,
    ActorType,
    Follow,
    FollowState,
    GroupKind,
    Notification,
    NotificationKind,
    PolicyKind,
)
from fedaid.models.ids import new_id


def is_alliance(follower: Actor, target: Actor) -> bool:
    """Two collectives on different servers; a coaching circle (a Group too) never makes an alliance."""
    return follower.is_collective and target.is_collective and follower.is_local != target.is_local


# --- our actors following others -----------------------------------------------------------------


async def follow(follower: Actor, target: Actor) -> Follow:
    """A local actor follows another: accepted at once when the target is local, else a Follow is queued."""
    if not follower.is_local:
        raise InvalidInput("Only actors of this instance can follow from here.")
    if follower.id == target.id:
        raise InvalidInput("An actor cannot follow itself.")
    if target.is_deleted:
        raise NotFound(f"{target.acct} has been deleted.")
    async with in_transaction():
        existing = await Follow.get_or_none(follower=follower, target=target)
        if existing is not None:
            return existing
        row = Follow(follower=follower, target=target, ap_id=follow_ap_id(follower, new_id()))
        if target.is_local:
            row.state, row.accepted_at = FollowState.ACCEPTED, utcnow()
        await _save_new(row)
        if target.is_local:
            await _notify(target, NotificationKind.FOLLOW, follower)
        else:
            await publish(render_follow(row, follower, target), sender=follower, to=[target])
    return row


async def unfollow(follower: Actor, target: Actor) -> bool:
    """Stop following; a remote target gets an Undo(Follow). True when there was a follow."""
    async with in_transaction():
        row = await Follow.get_or_none(follower=follower, target=target)
        if row is None:
            return False
        await row.delete()
        if not target.is_local and follower.is_local:
            await publish(render_undo_follow(row, follower, target), sender=follower, to=[target])
    return True


# --- others following our actors -----------------------------------------------------------------


async def receive_follow(
    follower: Actor, target: Actor, ap_id: str, *, federation_mode: str, domain_policy: PolicyKind | None = None
) -> Follow | None:
    """A remote actor's Follow of a local one: accepted, left pending, or refused (then None)."""
    if not target.is_local or follower.is_local:
        raise InvalidInput("A received Follow must come from another server and name an actor of ours.")
    async with in_transaction():
        existing = await Follow.get_or_none(follower=follower, target=target)
        if existing is not None:
            return await _follow_again(existing, follower, target, ap_id)
        decision = await _decide(follower, target, federation_mode, domain_policy)
        row = Follow(follower=follower, target=target, ap_id=await _free_ap_id(ap_id))
        if decision == AllianceDecision.REFUSE or target.is_deleted:
            await publish(render_reject(row, follower, target), sender=target, to=[follower])
            return None
        if decision == AllianceDecision.ACCEPT:
            row.state, row.accepted_at = FollowState.ACCEPTED, utcnow()
        await _save_new(row)
        if decision == AllianceDecision.ACCEPT:
            await publish(render_accept(row, follower, target), sender=target, to=[follower])
            await _notify_about(row, follower, target, NotificationKind.FOLLOW)
            if is_alliance(follower, target):
                await follow(target, follower)  # our half of the alliance (nothing new if we asked first)
        else:
            await _notify_about(row, follower, target, NotificationKind.FOLLOW_REQUEST)
    return row


async def receive_follow_request(incoming: Incoming, requested: FollowRequested) -> Follow | None:
    """A Follow from elsewhere: of one of our actors, decided by the federation mode and the domain's policy;
    a Follow of someone who is not here is acknowledged and ignored."""
    target = await find_local_actor(requested.target_ap_id)
    if target is None:
        return None
    follower = incoming.actor
    kind = await incoming.policies.kind_for(follower.domain)
    return await receive_follow(
        follower, target, requested.ap_id, federation_mode=incoming.federation_mode, domain_policy=kind
    )


async def _follow_again(row: Follow, follower: Actor, target: Actor, ap_id: str) -> Follow:
    """Mastodon re-sends Follow for a follow that exists: answer Accept again, tell nobody (Activity::Follow)."""
    if row.ap_id != ap_id and not await Follow.filter(ap_id=ap_id).exists():
        row.ap_id = ap_id
        await row.save(update_fields=["ap_id"])
    if row.state == FollowState.ACCEPTED:
        await publish(render_accept(row, follower, target), sender=target, to=[follower])
    return row


async def _decide(
    follower: Actor, target: Actor, federation_mode: str, domain_policy: PolicyKind | None
) -> AllianceDecision:
    if domain_policy == PolicyKind.BLOCK or target.type == ActorType.APPLICATION:
        return AllianceDecision.REFUSE  # the instance actor only signs fetches; nobody follows it
    if is_alliance(follower, target):
        if await Follow.filter(follower=target, target=follower).exists():
            return AllianceDecision.ACCEPT  # we asked them first: this is their half of the alliance
        return alliance_decision(domain_policy, federation_mode)
    if target.manually_approves_followers:
        return AllianceDecision.ASK_ADMIN
    return AllianceDecision.ACCEPT


async def approve_follow(row: Follow) -> Follow:
    """Accept a pending follow of a local actor; for an alliance, our collective follows back."""
    follower, target = await _pair(row)
    async with in_transaction():
        claimed = await Follow.filter(id=row.id, state=FollowState.PENDING).update(
            state=FollowState.ACCEPTED, accepted_at=utcnow()
        )
        if not claimed:
            raise Conflict("This request was already answered.")
        row.state = FollowState.ACCEPTED
        await publish(render_accept(row, follower, target), sender=target, to=[follower])
        if is_alliance(follower, target):
            await follow(target, follower)
    return row


async def reject_follow(row: Follow) -> None:
    """Refuse a pending follow (or remove an accepted follower): the row goes, a Reject is sent."""
    follower, target = await _pair(row)
    async with in_transaction():
        if not await Follow.filter(id=row.id).delete():
            raise Conflict("This request was already answered.")
        if not follower.is_local:
            await publish(render_reject(row, follower, target), sender=target, to=[follower])


# --- answers to our follows, and undos ---------------------------------------------------------


async def receive_accept(actor: Actor, ref: FollowRef) -> Follow | None:
    """`actor` accepts a local actor's follow of it: matched by the Follow id, then by the pair (Activity::Accept)."""
    row = await _find_follow(ref, target=actor, local_side="follower")
    if row is None or row.state == FollowState.ACCEPTED:
        return row
    await Follow.filter(id=row.id).update(state=FollowState.ACCEPTED, accepted_at=utcnow())
    row.state = FollowState.ACCEPTED
    return row


async def receive_reject(actor: Actor, ref: FollowRef) -> bool:
    """`actor` refuses a local actor's follow, or removes it as a follower (Activity::Reject)."""
    row = await _find_follow(ref, target=actor, local_side="follower")
    if row is None:
        return False
    async with in_transaction():
        await row.delete()
        if is_alliance(row.follower, actor):
            await end_both_halves(row.follower, actor)
    return True


async def receive_undo_follow(actor: Actor, ref: FollowRef) -> bool:
    """`actor` stops following a local actor (mastodon/mastodon#4906); ending an alliance ends both halves."""
    row = await _find_follow(ref, follower=actor, local_side="target")
    if row is None:
        return False
    async with in_transaction():
        await row.delete()
        if is_alliance(actor, row.target):
            await end_both_halves(row.target, actor)
    return True


async def end_both_halves(ours: Actor, theirs: Actor) -> None:
    """End both follows of an alliance, whichever is left: Undo our follow, Reject theirs."""
    outgoing = await Follow.get_or_none(follower=ours, target=theirs)
    if outgoing is not None:
        await outgoing.delete()
        await publish(render_undo_follow(outgoing, ours, theirs), sender=ours, to=[theirs])
    incoming = await Follow.get_or_none(follower=theirs, target=ours)
    if incoming is not None:
        await incoming.delete()
        await publish(render_reject(incoming, theirs, ours), sender=ours, to=[theirs])


async def _find_follow(
    ref: FollowRef, *, local_side: str, follower: Actor | None = None, target: Actor | None = None
) -> Follow | None:
    """The follow `ref` names, between the given remote actor and a local one."""
    known = {"follower": follower, "target": target}
    remote_side = "target" if local_side == "follower" else "follower"
    remote = known[remote_side]
    assert remote is not None
    if ref.ap_id:
        row = (
            await Follow.filter(ap_id=ref.ap_id, **{f"{remote_side}_id": remote.id})
            .select_related("follower", "target")
            .first()
        )
        if row is not None and getattr(row, local_side).is_local:
            return row
    local_ap_id = ref.follower_ap_id if local_side == "follower" else ref.target_ap_id
    remote_ap_id = ref.target_ap_id if local_side == "follower" else ref.follower_ap_id
    if not local_ap_id or (remote_ap_id is not None and remote_ap_id != remote.ap_id):
        return None
    local = await Actor.get_or_none(ap_id=local_ap_id, is_local=True)
    if local is None:
        return None
    pair = {f"{remote_side}_id": remote.id, f"{local_side}_id": local.id}
    return await Follow.filter(**pair).select_related("follower", "target").first()


# --- helpers -------------------------------------------------------------------------------------


async def _pair(row: Follow) -> tuple[Actor, Actor]:
    return await Actor.get(id=row.follower_id), await Actor.get(id=row.target_id)


async def _save_new(row: Follow) -> None:
    try:
        await row.save()
    except IntegrityError as err:
        raise Conflict("This follow already exists.") from err


async def _free_ap_id(ap_id: str) -> str | None:
    """The remote Follow id, unless another row already holds it (a reused id must not block the follow)."""
    return None if await Follow.filter(ap_id=ap_id).exists() else ap_id


async def _notify_about(row: Follow, follower: Actor, target: Actor, kind: NotificationKind) -> None:
    """A member hears about their own followers; admins hear about the collective's."""
    if target.type == ActorType.PERSON:
        await _notify(target, kind, follower)
        return
    if target.group_kind == GroupKind.CIRCLE:  # a circle's facilitators decide who joins it
        for facilitator in await Actor.filter(facilitates__circle__actor_id=target.id).order_by("id"):
            await _notify(facilitator, kind, follower)
        return
    if kind == NotificationKind.FOLLOW_REQUEST and is_alliance(follower, target):
        kind = NotificationKind.ADMIN_ALLIANCE  # the admins' own kind: it links to the federation page
    for admin in await admin_actors():
        await _notify(admin, kind, follower)


async def _notify(recipient: Actor, kind: NotificationKind, from_actor: Actor) -> None:
    await Notification.create(recipient=recipient, kind=kind, from_actor=from_actor)


async def forget_followers_behind(inbox: str) -> int:
    """The remote actors behind an inbox that answered 410 are gone: their follows end; how many actors."""
    follower_ids = await Actor.filter(Q(inbox=inbox) | Q(shared_inbox=inbox), is_local=False).values_list(
        "id", flat=True
    )
    if follower_ids:
        await Follow.filter(follower_id__in=follower_ids).delete()
    return len(follower_ids)


async def is_followed_here(actor: Actor) -> bool:
    """Whether a member or collective of ours follows `actor` (accepted)."""
    return await Follow.filter(target=actor, follower__is_local=True, state=FollowState.ACCEPTED).exists()


async def followed_here_among(ap_ids: Iterable[str]) -> frozenset[str]:
    """Those of `ap_ids` that a member or collective of ours follows (accepted): one query for a whole batch."""
    wanted = list(dict.fromkeys(ap_ids))
    if not wanted:
        return frozenset()
    # From the actors, by their ap_id's index, to their follows: joined from `follow`, SQLite read every
    # follow of the instance for a batch's hundred senders (tests/federation/test_worker_reads.py).
    targets = dict(await Actor.filter(ap_id__in=wanted).values_list("id", "ap_id"))
    found = await Follow.filter(
        target_id__in=list(targets), follower__is_local=True, state=FollowState.ACCEPTED
    ).values_list("target_id", flat=True)
    return frozenset(str(targets[target_id]) for target_id in found)


async def admin_actors() -> list[Actor]:
    """The Person actors of this instance's admins."""
    return await Actor.filter(is_local=True, deleted_at__isnull=True, account__role=AccountRole.ADMIN).order_by("id")
