"""A member leaves: their account is closed, by themselves (password re-entered) or by an admin.

What stays is history: the Person actor remains as a tombstone (its URL answers 410), so confirmed exchanges
and the ledger keep their counterpart, shown as a deleted member. What goes: the account and everything it
signs in with, follows both ways, notifications, the member's posts (Tombstones; offers and requests closed),
agreements not yet fulfilled (cancelled, the other party told), and supports of demands still gathering them
(withdrawn).
Servers that know the member get a Delete of the actor, as Mastodon sends one (DeleteActorSerializer).
"""

from __future__ import annotations

import logging

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from fedaid.activitypub.activities import render_delete_actor
from fedaid.clock import utcnow
from fedaid.domain import limits, polls, search
from fedaid.domain.agreements import cancel_agreement
from fedaid.domain.members import Member, get_member
from fedaid.domain.passwords import check_password
from fedaid.domain.publish import followers_of, publish
from fedaid.errors import FedaidError, Forbidden
from fedaid.models import (
    Account,
    Actor,
    Agreement,
    AgreementState,
    Follow,
    Notification,
    Poll,
    PollVote,
    Post,
    PostTag,
    Proposal,
    ProposalStatus,
)

log = logging.getLogger("fedaid.leaving")


async def delete_own_account(account: Account, password: str, *, address: str) -> Actor:
    """The member closes their own account after typing their password again (limited like a sign-in)."""
    subject = f"account {account.id}"
    await limits.before_password_check(address, subject)
    matches = await check_password(account.password_hash, password)
    await limits.after_password_check(address, subject, matched=matches)
    if not matches:
        raise Forbidden("The password is wrong.")
    actor = await Actor.get(id=account.actor_id)
    return await close_account(Member(actor, account))


async def remove_member(username: str) -> Actor:
    """An admin closes a member's account (`fedaid member remove`)."""
    return await close_account(await get_member(username))


async def close_account(member: Member) -> Actor:
    """Withdraw what the member still had going, then make the actor a tombstone and tell other servers."""
    actor = member.actor
    await _withdraw_supports(actor)
    await _cancel_open_agreements(actor)
    async with in_transaction():
        await Proposal.filter(post__author_id=actor.id, status=ProposalStatus.OPEN).update(status=ProposalStatus.CLOSED)
        await _empty_posts(actor)
        audience = await _servers_that_know(actor)
        actor.deleted_at = utcnow()
        actor.name, actor.summary, actor.icon_url = "", "", None
        await actor.save(update_fields=["deleted_at", "name", "summary", "icon_url"])
        await publish(render_delete_actor(actor), sender=actor, to=audience)
        await member.account.delete()  # sessions, app tokens, links, mail and push jobs go with it
        await Follow.filter(Q(follower_id=actor.id) | Q(target_id=actor.id)).delete()
        await Notification.filter(recipient_id=actor.id).delete()
    log.info("account closed", extra={"actor_id": actor.id})
    return actor


async def _empty_posts(actor: Actor) -> None:
    """The member's posts become Tombstones here, as a deleted post does; servers elsewhere drop their copies
    on the Delete of the actor (Mastodon deletes every status of a deleted account)."""
    posts = await Post.filter(author_id=actor.id, deleted_at__isnull=True).only("id")
    post_ids = [post.id for post in posts]
    if not post_ids:
        return
    await Post.filter(id__in=post_ids).update(deleted_at=utcnow(), content="", summary="")
    await PostTag.filter(post_id__in=post_ids).delete()
    for post_id in post_ids:
        await search.unindex_post(post_id)


async def _withdraw_supports(actor: Actor) -> None:
    """Take back the member's votes and supports on polls still open; those already closed stay as counted."""
    poll_ids = await PollVote.filter(voter_id=actor.id).distinct().values_list("poll_id", flat=True)
    for poll in await Poll.filter(id__in=list(poll_ids)):
        try:
            await polls.withdraw_vote(poll, actor)
        except FedaidError:  # ended: a support given before the end is part of the result
            continue


async def _cancel_open_agreements(actor: Actor) -> None:
    """Agreements not fulfilled yet are called off, each party told as on any cancellation."""
    open_states = (AgreementState.OFFERED, AgreementState.ACCEPTED)
    agreements = await Agreement.filter(
        Q(provider_id=actor.id) | Q(receiver_id=actor.id), state__in=open_states
    ).order_by("id")
    for agreement in agreements:
        try:
            await cancel_agreement(agreement, by=actor)
        except FedaidError:  # moved on meanwhile (answered from elsewhere): nothing left to cancel
            continue


async def _servers_that_know(actor: Actor) -> list[Actor]:
    """Its followers elsewhere and the other parties of its agreements elsewhere (one inbox each at most)."""
    audience = {remote.id: remote for remote in await followers_of(actor)}
    other_ids = set()
    for provider_id, receiver_id in await Agreement.filter(
        Q(provider_id=actor.id) | Q(receiver_id=actor.id)
    ).values_list("provider_id", "receiver_id"):
        other_ids.update({provider_id, receiver_id} - {actor.id})
    for remote in await Actor.filter(id__in=list(other_ids), is_local=False, deleted_at__isnull=True):
        audience.setdefault(remote.id, remote)
    return list(audience.values())
