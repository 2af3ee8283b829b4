"""Agreement activities from other servers (FEP-0837): an Offer for one of our proposals, the Accept or Reject
of our member's offer, and the Undo of either; and the cancellation of agreements with a suspended domain."""

from __future__ import annotations

from datetime import datetime

from tortoise.expressions import Subquery
from tortoise.transactions import in_transaction

from fedaid.activitypub.notes import language_of
from fedaid.activitypub.parse.agreements import AgreementAcceptDoc, AgreementOfferDoc, AgreementRejectDoc
from fedaid.activitypub.proposals import render_reject_agreement
from fedaid.domain import proposals
from fedaid.domain.agreement_rows import create_agreement, move_agreement, notify_step, offerer_of, proposal_and_post
from fedaid.domain.agreements import offer_agreement
from fedaid.domain.proposal_hours import release_hours
from fedaid.domain.publish import publish
from fedaid.errors import Conflict, Forbidden, InvalidInput, NotFound
from fedaid.models import Actor, Agreement, AgreementState, Post, Proposal, ProposalStatus


async def receive_offer(doc: AgreementOfferDoc, offerer: Actor, *, now: datetime | None = None) -> Agreement:
    """An Offer(Agreement) for one of our proposals; NotFound when the proposal is not ours."""
    proposal = await proposals.find_proposal_by_ap_id(doc.agreement.primary.proposal_ap_id)
    if proposal is None or not proposal.post.is_local:
        raise NotFound("The offer answers no proposal of this server.")
    if doc.agreement.primary.intent_ap_id != f"{proposal.post.ap_id}#primary":
        raise InvalidInput("The offer does not satisfy the proposal's primary intent.")
    existing = await Agreement.get_or_none(offer_activity_id=doc.activity_id)
    if existing is not None:
        return existing
    if proposal.status != ProposalStatus.OPEN or proposal.post.is_deleted:
        return await _refuse_offer(proposal, doc, offerer, now=now)
    return await offer_agreement(
        proposal,
        offerer,
        hours=doc.agreement.primary.hours,
        response=await _unanswered_reply(proposal, offerer),
        offer_activity_id=doc.activity_id,
        schedule=doc.agreement.schedule,
        now=now,
    )


async def _unanswered_reply(proposal: Proposal, offerer: Actor) -> Post | None:
    """The offerer's latest reply no agreement answers yet: a peer sends it with its Offer, and when the
    reply comes first, the agreement answers it (when it comes second, `responses` links them)."""
    answered = Subquery(Agreement.filter(response_id__isnull=False).values("response_id"))
    return await (
        Post.filter(in_reply_to_id=proposal.post_id, author_id=offerer.id, deleted_at__isnull=True)
        .exclude(id__in=answered)
        .order_by("-id")
        .first()
    )


async def _refuse_offer(
    proposal: Proposal, doc: AgreementOfferDoc, offerer: Actor, *, now: datetime | None
) -> Agreement:
    """An Offer that crossed the proposal's closing (its sender's copy was stale): recorded as rejected,
    and the offerer's server is told at once, so their member does not wait for an answer that cannot come."""
    post = proposal.post
    hours = doc.agreement.primary.hours or proposal.hours
    async with in_transaction():
        agreement = await create_agreement(
            proposal, post, post.author, offerer, hours, AgreementState.REJECTED, offer_activity_id=doc.activity_id
        )
        await publish(
            render_reject_agreement(
                agreement, author=post.author, offerer_ap_id=offerer.ap_id, reason=_no_longer_open_text(post)
            ),
            sender=post.author,
            to=[offerer],
            now=now,
        )
    return agreement


def _no_longer_open_text(post: Post) -> str:
    if language_of(post) == "en":
        return "This offer or request is no longer open."
    return "Cette offre ou demande n'est plus ouverte."


async def receive_accept(doc: AgreementAcceptDoc, actor: Actor, *, now: datetime | None = None) -> Agreement:
    """The author elsewhere accepted our member's offer; keeps the agreement id they minted."""
    agreement = await _agreement_answered(doc.offer_ap_id, doc.agreement_ap_id)
    _, post = await proposal_and_post(agreement)
    if post.author_id != actor.id:
        raise Forbidden("Only the proposal's author can accept this offer.")
    async with in_transaction():
        if await move_agreement(agreement, AgreementState.OFFERED, AgreementState.ACCEPTED):
            if doc.agreement_ap_id and not agreement.ap_id:
                agreement.ap_id = doc.agreement_ap_id
                await agreement.save(update_fields=["ap_id", "updated_at"])
            offerer = await offerer_of(agreement, post)
            await notify_step(offerer, actor, post, agreement, "accepted")
    return agreement


async def receive_reject(doc: AgreementRejectDoc, actor: Actor, *, now: datetime | None = None) -> Agreement:
    agreement = await _agreement_answered(doc.offer_ap_id, None)
    _, post = await proposal_and_post(agreement)
    if post.author_id != actor.id:
        raise Forbidden("Only the proposal's author can reject this offer.")
    if await move_agreement(agreement, AgreementState.OFFERED, AgreementState.REJECTED):
        await notify_step(await offerer_of(agreement, post), actor, post, agreement, "declined")
    return agreement


async def receive_undo_offer(doc: AgreementOfferDoc, actor: Actor, *, now: datetime | None = None) -> Agreement:
    """The offerer elsewhere withdrew their Offer(Agreement): cancelled here, accepted hours go back."""
    agreement = await _agreement_answered(doc.activity_id, None)
    _, post = await proposal_and_post(agreement)
    if (await offerer_of(agreement, post)).id != actor.id:
        raise Forbidden("Only its offerer can withdraw this offer.")
    return await _cancelled_from_elsewhere(agreement, by=actor, now=now)


async def receive_undo_accept(doc: AgreementAcceptDoc, actor: Actor, *, now: datetime | None = None) -> Agreement:
    """The author elsewhere called off the agreement they had accepted."""
    agreement = await _agreement_answered(doc.offer_ap_id, doc.agreement_ap_id)
    _, post = await proposal_and_post(agreement)
    if post.author_id != actor.id:
        raise Forbidden("Only the proposal's author can call off this agreement.")
    return await _cancelled_from_elsewhere(agreement, by=actor, now=now)


async def _cancelled_from_elsewhere(agreement: Agreement, *, by: Actor, now: datetime | None) -> Agreement:
    """Cancel for the party elsewhere; a replayed Undo, or one after fulfilment, changes nothing."""
    proposal, post = await proposal_and_post(agreement)
    was = AgreementState(agreement.state)
    async with in_transaction():
        if was not in (AgreementState.OFFERED, AgreementState.ACCEPTED) or not await move_agreement(
            agreement, was, AgreementState.CANCELLED
        ):
            return agreement
        if was == AgreementState.ACCEPTED and post.is_local:
            await release_hours(proposal, agreement.hours)
            await proposals.touch_and_federate(proposal, post, now=now)
        other = await Actor.get(id=agreement.receiver_id if by.id == agreement.provider_id else agreement.provider_id)
        await notify_step(other, by, post, agreement, "cancelled")
    return agreement


async def cancel_with_suspended(agreement: Agreement, suspended_ids: set[int]) -> None:
    """A party's domain is being suspended: the agreement is cancelled as if that party had withdrawn (hours go
    back to our proposal, our member is told). Nothing is sent to them: their domain is cut off."""
    party_id = agreement.provider_id if agreement.provider_id in suspended_ids else agreement.receiver_id
    try:
        await _cancelled_from_elsewhere(agreement, by=await Actor.get(id=party_id), now=None)
    except Conflict:  # its proposal was deleted already: only the state is left to change
        await move_agreement(agreement, AgreementState(agreement.state), AgreementState.CANCELLED)


async def _agreement_answered(offer_ap_id: str | None, agreement_ap_id: str | None) -> Agreement:
    agreement = await Agreement.get_or_none(offer_activity_id=offer_ap_id) if offer_ap_id else None
    if agreement is None and agreement_ap_id:
        agreement = await Agreement.get_or_none(ap_id=agreement_ap_id)
    if agreement is None:
        raise NotFound("No agreement offer of ours has that id.")
    return agreement
