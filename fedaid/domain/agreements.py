"""Agreements on a proposal, as our members make them: offer, accept, reject, cancel (FEP-0837
Offer(Agreement) → Accept | Reject). Those from other servers are `received_agreements.py`.

Hours are claimed from the proposal by one conditional UPDATE (`proposal_hours.py`), so two people taking the
last hours at the same moment produce exactly one agreement. The provider is the author of an offer or whoever
answers a request; the receiver is the other party. No HTTP here: activities for other servers are queued with
`publish` in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from fedaid.activitypub.headlines import format_hours
from fedaid.activitypub.notes import language_of, render_undo
from fedaid.activitypub.parse.agreements import ScheduleDoc
from fedaid.activitypub.proposals import (
    render_accept_agreement,
    render_offer_agreement,
    render_reject_agreement,
)
from fedaid.domain import mentorships, posts, proposals
from fedaid.domain.agreement_rows import (
    create_agreement,
    live_post_of,
    move_agreement,
    notify_step,
    offerer_of,
    proposal_and_post,
)
from fedaid.domain.proposal_hours import HUNDREDTH, claim_hours, release_hours
from fedaid.domain.publish import publish
from fedaid.errors import Conflict, Forbidden, InvalidInput, NotFound
from fedaid.models import (
    Actor,
    Agreement,
    AgreementState,
    Post,
    Proposal,
    ProposalStatus,
    Visibility,
)

# ---------------------------------------------------------------- reading


async def get_agreement(agreement_id: int) -> Agreement:
    agreement = await Agreement.get_or_none(id=agreement_id).prefetch_related(
        "proposal__post__author", "provider", "receiver"
    )
    if agreement is None:
        raise NotFound("There is no such agreement.")
    return agreement


async def list_agreements(actor: Actor) -> list[Agreement]:
    """The agreements `actor` is a party to, newest first."""
    return await (
        Agreement.filter(Q(provider_id=actor.id) | Q(receiver_id=actor.id))
        .order_by("-id")
        .prefetch_related("proposal__post__author", "provider", "receiver")
    )


# ---------------------------------------------------------------- local actions


async def accept_proposal(
    proposal: Proposal,
    taker: Actor,
    *,
    hours: Decimal | None = None,
    response: Post | None = None,
    now: datetime | None = None,
) -> Agreement:
    """A member here takes (part of) an open proposal from here: an accepted agreement at once.

    For a proposal from another server, use `offer_agreement`; its author accepts or rejects.
    """
    post = await live_post_of(proposal)
    author = post.author
    _check_taker(author, taker, local_proposal=True)
    hours = _checked_hours(hours if hours is not None else proposal.available_hours)
    async with in_transaction():
        if not await claim_hours(proposal, hours):
            raise Conflict("These hours are no longer available.")
        agreement = await create_agreement(
            proposal, post, author, taker, hours, AgreementState.ACCEPTED, response=response
        )
        await proposals.touch_and_federate(proposal, post, now=now)
        await notify_step(author, taker, post, agreement, "took")
    return agreement


async def offer_agreement(
    proposal: Proposal,
    offerer: Actor,
    *,
    hours: Decimal | None = None,
    response: Post | None = None,
    offer_activity_id: str | None = None,
    schedule: ScheduleDoc | None = None,
    now: datetime | None = None,
) -> Agreement:
    """Propose to take part in a proposal (FEP-0837 Offer(Agreement)); its author accepts or rejects it.

    From a member here to an author elsewhere, the Offer is queued for delivery. A remote offerer's
    Offer (with `offer_activity_id`) is recorded once, however often it arrives. With a `schedule`, it is a
    mentoring agreement: its hours are spread over the meetings listed, each confirmed on its own (`mentoring`).
    """
    if offer_activity_id is not None:
        existing = await Agreement.get_or_none(offer_activity_id=offer_activity_id)
        if existing is not None:
            return existing
    post = await live_post_of(proposal)
    author = post.author
    _check_taker(author, offerer, local_proposal=post.is_local)
    if proposal.status != ProposalStatus.OPEN:
        raise Conflict("This offer or request is no longer open.")
    hours = _checked_hours(hours if hours is not None else proposal.available_hours)
    async with in_transaction():
        agreement = await create_agreement(
            proposal,
            post,
            author,
            offerer,
            hours,
            AgreementState.OFFERED,
            response=response,
            offer_activity_id=offer_activity_id,
        )
        if schedule is not None:
            await mentorships.store_schedule(agreement, schedule)
        if not author.is_local:
            await publish(
                render_offer_agreement(
                    agreement, offerer=offerer, proposal_ap_id=post.ap_id, author_ap_id=author.ap_id, schedule=schedule
                ),
                sender=offerer,
                to=[author],
                now=now,
            )
        else:
            await notify_step(author, offerer, post, agreement, "offered")
    return agreement


async def accept_agreement(agreement: Agreement, *, by: Actor, now: datetime | None = None) -> Agreement:
    """The proposal's author accepts an offered agreement: its hours are claimed, the offerer is told."""
    proposal, post = await proposal_and_post(agreement)
    _check_author(post, by)
    offerer = await offerer_of(agreement, post)
    async with in_transaction():
        if not await claim_hours(proposal, agreement.hours):
            raise Conflict("These hours are no longer available.")
        if not await move_agreement(agreement, AgreementState.OFFERED, AgreementState.ACCEPTED):
            raise Conflict("This agreement is no longer waiting for an answer.")
        await proposals.touch_and_federate(proposal, post, now=now)
        await _tell_offerer_accepted(agreement, post, by, offerer, now=now)
    return agreement


async def agree_to_response(
    response: Post, *, by: Actor, hours: Decimal | None = None, now: datetime | None = None
) -> Agreement:
    """The author turns a reply to their proposal into an accepted agreement with its writer.

    A writer elsewhere who sent no Offer (a Mastodon user, say) gets a direct Note mentioning them.
    """
    proposal = await Proposal.get_or_none(post_id=response.in_reply_to_id) if response.in_reply_to_id else None
    if proposal is None:
        raise InvalidInput("This post does not answer an offer or request.")
    _check_author(await live_post_of(proposal), by)
    responder = await Actor.get(id=response.author_id)
    async with in_transaction():
        agreement = await offer_agreement(proposal, responder, hours=hours, response=response, now=now)
        return await accept_agreement(agreement, by=by, now=now)


async def reject_agreement(
    agreement: Agreement, *, by: Actor, reason: str = "", now: datetime | None = None
) -> Agreement:
    """The proposal's author declines an offered agreement (FEP-0837 Reject)."""
    _, post = await proposal_and_post(agreement)
    _check_author(post, by)
    offerer = await offerer_of(agreement, post)
    async with in_transaction():
        if not await move_agreement(agreement, AgreementState.OFFERED, AgreementState.REJECTED):
            raise Conflict("This agreement is no longer waiting for an answer.")
        if not offerer.is_local and agreement.offer_activity_id:
            await publish(
                render_reject_agreement(agreement, author=by, offerer_ap_id=offerer.ap_id, reason=reason.strip()[:500]),
                sender=by,
                to=[offerer],
                now=now,
            )
        elif offerer.is_local:
            await notify_step(offerer, by, post, agreement, "declined")
    return agreement


async def cancel_agreement(agreement: Agreement, *, by: Actor, now: datetime | None = None) -> Agreement:
    """Either party calls it off before it is fulfilled; accepted hours not yet met go back to the proposal."""
    if by.id not in (agreement.provider_id, agreement.receiver_id) or not by.is_local:
        raise Forbidden("Only a party to this agreement can cancel it.")
    proposal, post = await proposal_and_post(agreement)
    offerer = await offerer_of(agreement, post)
    was = AgreementState(agreement.state)
    async with in_transaction():
        if was not in (AgreementState.OFFERED, AgreementState.ACCEPTED) or not await move_agreement(
            agreement, was, AgreementState.CANCELLED
        ):
            raise Conflict("This agreement can no longer be cancelled.")
        if was == AgreementState.ACCEPTED and post.is_local:
            # A mentoring's meetings already held stay given; only the hours still ahead go back.
            await release_hours(proposal, agreement.hours - await mentorships.hours_already_met(agreement))
            await proposals.touch_and_federate(proposal, post, now=now)
        await _tell_other_party_cancelled(agreement, post, by, offerer, was, now=now)
    return agreement


def _check_taker(author: Actor, taker: Actor, *, local_proposal: bool) -> None:
    if taker.id == author.id:
        raise Forbidden("You cannot take up your own offer or request.")
    if taker.is_deleted:
        raise Forbidden("This account was deleted.")
    if not local_proposal and not taker.is_local:
        raise Forbidden("Neither party lives on this server.")


def _check_author(post: Post, by: Actor) -> None:
    if post.author_id != by.id or not by.is_local:
        raise Forbidden("Only the author of the offer or request can answer this.")


def _checked_hours(hours: Decimal) -> Decimal:
    hours = Decimal(str(hours)).quantize(HUNDREDTH)
    if hours <= 0:
        raise Conflict("No hours are left to agree on.")
    return hours


async def _tell_offerer_accepted(
    agreement: Agreement, post: Post, author: Actor, offerer: Actor, *, now: datetime | None
) -> None:
    """FEP-0837 Accept to a marketplace-aware offerer; a direct Note to a writer who sent only a reply."""
    if offerer.is_local:
        await notify_step(offerer, author, post, agreement, "accepted")
    elif agreement.offer_activity_id:
        await publish(
            render_accept_agreement(agreement, author=author, proposal_ap_id=post.ap_id, offerer_ap_id=offerer.ap_id),
            sender=author,
            to=[offerer],
            now=now,
        )
    else:
        response = await Post.get_or_none(id=agreement.response_id) if agreement.response_id else None
        if response is not None:
            response.author = offerer
        proposal = await Proposal.get(id=agreement.proposal_id)
        await posts.create_post(
            author,
            _accepted_text(agreement, proposal, post, offerer),
            visibility=Visibility.DIRECT,
            in_reply_to=response,
            mentions=[offerer],
            language=post.language,
            now=now,
        )


def _accepted_text(agreement: Agreement, proposal: Proposal, post: Post, offerer: Actor) -> str:
    """The direct Note telling a writer elsewhere that their reply became an agreement, in the post's language."""
    link = post.url or post.ap_id
    if language_of(post) == "en":
        return (
            f"@{offerer.acct} Agreed: {format_hours(agreement.hours, 'en')} for “{proposal.title}”. Thank you! {link}"
        )
    return (
        f"@{offerer.acct} C'est d'accord : {format_hours(agreement.hours, 'fr')} pour « {proposal.title} ». "
        f"Merci ! {link}"
    )


async def _tell_other_party_cancelled(
    agreement: Agreement, post: Post, by: Actor, offerer: Actor, was: AgreementState, *, now: datetime | None
) -> None:
    other = await Actor.get(id=agreement.receiver_id if by.id == agreement.provider_id else agreement.provider_id)
    if other.is_local:
        await notify_step(other, by, post, agreement, "cancelled")
        return
    # Undo of what this side sent: the offerer its Offer, the author its Accept.
    if by.id == offerer.id and agreement.offer_activity_id:
        offer = render_offer_agreement(agreement, offerer=by, proposal_ap_id=post.ap_id, author_ap_id=other.ap_id)
        await publish(render_undo(by, offer), sender=by, to=[other], now=now)
    elif was == AgreementState.ACCEPTED and agreement.offer_activity_id and agreement.ap_id:
        accept = render_accept_agreement(agreement, author=by, proposal_ap_id=post.ap_id, offerer_ap_id=other.ap_id)
        await publish(render_undo(by, accept), sender=by, to=[other], now=now)
