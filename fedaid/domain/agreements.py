"""Agreements on a proposal: offer, accept, reject, cancel (FEP-0837 Offer(Agreement) → Accept | Reject).

Hours are claimed from the proposal by one conditional UPDATE, so two people taking the last hours
at the same moment produce exactly one agreement, on SQLite and on PostgreSQL. The provider is
the author of an offer or whoever answers a request; the receiver is the other party.
No HTTP here: activities for other servers are queued with `publish` in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from tortoise.expressions import Q, Subquery
from tortoise.transactions import in_transaction

from fedaid.activitypub.notes import format_hours, language_of, render_undo
from fedaid.activitypub.parse.agreements import (
    AgreementAcceptDoc,
    AgreementOfferDoc,
    AgreementRejectDoc,
    ScheduleDoc,
)
from fedaid.activitypub.proposals import (
    render_accept_agreement,
    render_offer_agreement,
    render_reject_agreement,
)
from fedaid.clock import utcnow
from fedaid.domain import mentorships, posts, proposals
from fedaid.domain.notifications import notify
from fedaid.domain.publish import publish
from fedaid.errors import Conflict, Forbidden, InvalidInput, NotFound
from fedaid.models import (
    Actor,
    Agreement,
    AgreementState,
    NotificationKind,
    Post,
    Proposal,
    ProposalPurpose,
    ProposalStatus,
    Visibility,
)
from fedaid.models.ids import new_id

HUNDREDTH = Decimal("0.01")


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


# ---------------------------------------------------------------- hours on a proposal


async def claim_hours(proposal: Proposal, hours: Decimal) -> bool:
    """Take `hours` from what is available on an open proposal, in one conditional UPDATE.

    The row lock (PostgreSQL) or the single writer (SQLite) makes a second claim on the last hours
    see them gone and change nothing. The proposal becomes `agreed` when nothing is left.
    """
    db = Proposal._meta.db
    if db.capabilities.dialect == "sqlite":
        # Decimals are text in SQLite; compute in hundredths to keep them exact.
        sql = (
            "UPDATE proposal SET available_hours = printf('%.2f', (ROUND(CAST(available_hours AS REAL) * 100)"
            " - ?) / 100.0), status = CASE WHEN ROUND(CAST(available_hours AS REAL) * 100) - ? <= 0"
            " THEN 'agreed' ELSE status END WHERE id = ? AND status = 'open'"
            " AND ROUND(CAST(available_hours AS REAL) * 100) >= ? RETURNING available_hours, status"
        )
        cents = int(hours * 100)
        rows = await db.execute_query_dict(sql, [cents, cents, proposal.id, cents])
    else:
        sql = (
            "UPDATE proposal SET available_hours = available_hours - $1, status = CASE WHEN"
            " available_hours - $1 <= 0 THEN 'agreed' ELSE status END WHERE id = $2 AND status = 'open'"
            " AND available_hours >= $1 RETURNING available_hours, status"
        )
        rows = await db.execute_query_dict(sql, [hours, proposal.id])
    if not rows:
        return False
    row = dict(rows[0])
    proposal.available_hours = Decimal(str(row["available_hours"])).quantize(HUNDREDTH)
    proposal.status = ProposalStatus(row["status"])
    return True


async def release_hours(proposal: Proposal, hours: Decimal) -> None:
    """Give hours back (a cancelled agreement); an `agreed` proposal opens again."""
    db = Proposal._meta.db
    if db.capabilities.dialect == "sqlite":
        sql = (
            "UPDATE proposal SET available_hours = printf('%.2f', MIN(ROUND(CAST(hours AS REAL) * 100),"
            " ROUND(CAST(available_hours AS REAL) * 100) + ?) / 100.0), status = CASE WHEN status = 'agreed'"
            " THEN 'open' ELSE status END WHERE id = ? RETURNING available_hours, status"
        )
        rows = await db.execute_query_dict(sql, [int(hours * 100), proposal.id])
    else:
        sql = (
            "UPDATE proposal SET available_hours = LEAST(hours, available_hours + $1), status = CASE WHEN"
            " status = 'agreed' THEN 'open' ELSE status END WHERE id = $2 RETURNING available_hours, status"
        )
        rows = await db.execute_query_dict(sql, [hours, proposal.id])
    if rows:
        row = dict(rows[0])
        proposal.available_hours = Decimal(str(row["available_hours"])).quantize(HUNDREDTH)
        proposal.status = ProposalStatus(row["status"])


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
    post = await _post_of(proposal)
    author = post.author
    _check_taker(author, taker, local_proposal=True)
    hours = _checked_hours(hours if hours is not None else proposal.available_hours)
    async with in_transaction():
        if not await claim_hours(proposal, hours):
            raise Conflict("These hours are no longer available.")
        agreement = await _create(proposal, post, author, taker, hours, AgreementState.ACCEPTED, response=response)
        await proposals.touch_and_federate(proposal, post, now=now)
        await _notify(author, taker, post, agreement, "took")
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
    post = await _post_of(proposal)
    author = post.author
    _check_taker(author, offerer, local_proposal=post.is_local)
    if proposal.status != ProposalStatus.OPEN:
        raise Conflict("This offer or request is no longer open.")
    hours = _checked_hours(hours if hours is not None else proposal.available_hours)
    async with in_transaction():
        agreement = await _create(
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
            await _notify(author, offerer, post, agreement, "offered")
    return agreement


async def accept_agreement(agreement: Agreement, *, by: Actor, now: datetime | None = None) -> Agreement:
    """The proposal's author accepts an offered agreement: its hours are claimed, the offerer is told."""
    proposal, post = await _proposal_and_post(agreement)
    _check_author(post, by)
    offerer = await _offerer(agreement, post)
    async with in_transaction():
        if not await claim_hours(proposal, agreement.hours):
            raise Conflict("These hours are no longer available.")
        if not await _move(agreement, AgreementState.OFFERED, AgreementState.ACCEPTED):
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
    _check_author(await _post_of(proposal), by)
    responder = await Actor.get(id=response.author_id)
    async with in_transaction():
        agreement = await offer_agreement(proposal, responder, hours=hours, response=response, now=now)
        return await accept_agreement(agreement, by=by, now=now)


async def reject_agreement(
    agreement: Agreement, *, by: Actor, reason: str = "", now: datetime | None = None
) -> Agreement:
    """The proposal's author declines an offered agreement (FEP-0837 Reject)."""
    _, post = await _proposal_and_post(agreement)
    _check_author(post, by)
    offerer = await _offerer(agreement, post)
    async with in_transaction():
        if not await _move(agreement, AgreementState.OFFERED, AgreementState.REJECTED):
            raise Conflict("This agreement is no longer waiting for an answer.")
        if not offerer.is_local and agreement.offer_activity_id:
            await publish(
                render_reject_agreement(agreement, author=by, offerer_ap_id=offerer.ap_id, reason=reason.strip()[:500]),
                sender=by,
                to=[offerer],
                now=now,
            )
        elif offerer.is_local:
            await _notify(offerer, by, post, agreement, "declined")
    return agreement


async def cancel_agreement(agreement: Agreement, *, by: Actor, now: datetime | None = None) -> Agreement:
    """Either party calls it off before it is fulfilled; accepted hours go back to the proposal."""
    if by.id not in (agreement.provider_id, agreement.receiver_id) or not by.is_local:
        raise Forbidden("Only a party to this agreement can cancel it.")
    proposal, post = await _proposal_and_post(agreement)
    offerer = await _offerer(agreement, post)
    was = AgreementState(agreement.state)
    async with in_transaction():
        if was not in (AgreementState.OFFERED, AgreementState.ACCEPTED) or not await _move(
            agreement, was, AgreementState.CANCELLED
        ):
            raise Conflict("This agreement can no longer be cancelled.")
        if was == AgreementState.ACCEPTED and post.is_local:
            await release_hours(proposal, agreement.hours)
            await proposals.touch_and_federate(proposal, post, now=now)
        await _tell_other_party_cancelled(agreement, post, by, offerer, was, now=now)
    return agreement


# ---------------------------------------------------------------- activities from elsewhere


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
        agreement = await _create(
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
    _, post = await _proposal_and_post(agreement)
    if post.author_id != actor.id:
        raise Forbidden("Only the proposal's author can accept this offer.")
    async with in_transaction():
        if await _move(agreement, AgreementState.OFFERED, AgreementState.ACCEPTED):
            if doc.agreement_ap_id and not agreement.ap_id:
                agreement.ap_id = doc.agreement_ap_id
                await agreement.save(update_fields=["ap_id", "updated_at"])
            offerer = await _offerer(agreement, post)
            await _notify(offerer, actor, post, agreement, "accepted")
    return agreement


async def receive_reject(doc: AgreementRejectDoc, actor: Actor, *, now: datetime | None = None) -> Agreement:
    agreement = await _agreement_answered(doc.offer_ap_id, None)
    _, post = await _proposal_and_post(agreement)
    if post.author_id != actor.id:
        raise Forbidden("Only the proposal's author can reject this offer.")
    if await _move(agreement, AgreementState.OFFERED, AgreementState.REJECTED):
        await _notify(await _offerer(agreement, post), actor, post, agreement, "declined")
    return agreement


async def receive_undo_offer(doc: AgreementOfferDoc, actor: Actor, *, now: datetime | None = None) -> Agreement:
    """The offerer elsewhere withdrew their Offer(Agreement): cancelled here, accepted hours go back."""
    agreement = await _agreement_answered(doc.activity_id, None)
    _, post = await _proposal_and_post(agreement)
    if (await _offerer(agreement, post)).id != actor.id:
        raise Forbidden("Only its offerer can withdraw this offer.")
    return await _cancelled_from_elsewhere(agreement, by=actor, now=now)


async def receive_undo_accept(doc: AgreementAcceptDoc, actor: Actor, *, now: datetime | None = None) -> Agreement:
    """The author elsewhere called off the agreement they had accepted."""
    agreement = await _agreement_answered(doc.offer_ap_id, doc.agreement_ap_id)
    _, post = await _proposal_and_post(agreement)
    if post.author_id != actor.id:
        raise Forbidden("Only the proposal's author can call off this agreement.")
    return await _cancelled_from_elsewhere(agreement, by=actor, now=now)


async def _cancelled_from_elsewhere(agreement: Agreement, *, by: Actor, now: datetime | None) -> Agreement:
    """Cancel for the party elsewhere; a replayed Undo, or one after fulfilment, changes nothing."""
    proposal, post = await _proposal_and_post(agreement)
    was = AgreementState(agreement.state)
    async with in_transaction():
        if was not in (AgreementState.OFFERED, AgreementState.ACCEPTED) or not await _move(
            agreement, was, AgreementState.CANCELLED
        ):
            return agreement
        if was == AgreementState.ACCEPTED and post.is_local:
            await release_hours(proposal, agreement.hours)
            await proposals.touch_and_federate(proposal, post, now=now)
        other = await Actor.get(id=agreement.receiver_id if by.id == agreement.provider_id else agreement.provider_id)
        await _notify(other, by, post, agreement, "cancelled")
    return agreement


async def cancel_with_suspended(agreement: Agreement, suspended_ids: set[int]) -> None:
    """A party's domain is being suspended: the agreement is cancelled as if that party had withdrawn (hours go
    back to our proposal, our member is told). Nothing is sent to them: their domain is cut off."""
    party_id = agreement.provider_id if agreement.provider_id in suspended_ids else agreement.receiver_id
    try:
        await _cancelled_from_elsewhere(agreement, by=await Actor.get(id=party_id), now=None)
    except Conflict:  # its proposal was deleted already: only the state is left to change
        await _move(agreement, AgreementState(agreement.state), AgreementState.CANCELLED)


async def _agreement_answered(offer_ap_id: str | None, agreement_ap_id: str | None) -> Agreement:
    agreement = await Agreement.get_or_none(offer_activity_id=offer_ap_id) if offer_ap_id else None
    if agreement is None and agreement_ap_id:
        agreement = await Agreement.get_or_none(ap_id=agreement_ap_id)
    if agreement is None:
        raise NotFound("No agreement offer of ours has that id.")
    return agreement


# ---------------------------------------------------------------- helpers


async def _create(
    proposal: Proposal,
    post: Post,
    author: Actor,
    other: Actor,
    hours: Decimal,
    state: AgreementState,
    *,
    response: Post | None = None,
    offer_activity_id: str | None = None,
) -> Agreement:
    """A new agreement row: ids minted here for what this server owns."""
    agreement_id = new_id()
    provider, receiver = (author, other) if proposal.purpose == ProposalPurpose.OFFER else (other, author)
    if offer_activity_id is None and other.is_local:
        offer_activity_id = f"{other.ap_id}/offers/{agreement_id}"
    return await Agreement.create(
        id=agreement_id,
        ap_id=f"{post.ap_id}/agreements/{agreement_id}" if post.is_local else None,
        proposal=proposal,
        response=response,
        provider=provider,
        receiver=receiver,
        hours=hours,
        state=state,
        offer_activity_id=offer_activity_id,
    )


async def _move(agreement: Agreement, old: AgreementState, new: AgreementState) -> bool:
    """A conditional state change: False when another change got there first."""
    changed = await Agreement.filter(id=agreement.id, state=old).update(state=new, updated_at=utcnow())
    if changed:
        agreement.state = new
    return bool(changed)


async def _post_of(proposal: Proposal) -> Post:
    post = await Post.get(id=proposal.post_id).prefetch_related("author")
    if post.is_deleted:
        raise Conflict("This offer or request was deleted.")
    proposal.post = post
    return post


async def _proposal_and_post(agreement: Agreement) -> tuple[Proposal, Post]:
    proposal = await Proposal.get(id=agreement.proposal_id)
    return proposal, await _post_of(proposal)


async def _offerer(agreement: Agreement, post: Post) -> Actor:
    """The party who is not the proposal's author."""
    other_id = agreement.receiver_id if agreement.provider_id == post.author_id else agreement.provider_id
    return await Actor.get(id=other_id)


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


async def _notify(recipient: Actor, sender: Actor, post: Post, agreement: Agreement, action: str) -> None:
    """One notification of this step, saying what `sender` did (`notifications.notify` merges it with the
    response it came with)."""
    await notify(
        recipient, NotificationKind.AGREEMENT, from_actor=sender, post=post, agreement=agreement, action=action
    )


async def _tell_offerer_accepted(
    agreement: Agreement, post: Post, author: Actor, offerer: Actor, *, now: datetime | None
) -> None:
    """FEP-0837 Accept to a marketplace-aware offerer; a direct Note to a writer who sent only a reply."""
    if offerer.is_local:
        await _notify(offerer, author, post, agreement, "accepted")
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
        await _notify(other, by, post, agreement, "cancelled")
        return
    # Undo of what this side sent: the offerer its Offer, the author its Accept.
    if by.id == offerer.id and agreement.offer_activity_id:
        offer = render_offer_agreement(agreement, offerer=by, proposal_ap_id=post.ap_id, author_ap_id=other.ap_id)
        await publish(render_undo(by, offer), sender=by, to=[other], now=now)
    elif was == AgreementState.ACCEPTED and agreement.offer_activity_id and agreement.ap_id:
        accept = render_accept_agreement(agreement, author=by, proposal_ap_id=post.ap_id, offerer_ap_id=other.ap_id)
        await publish(render_undo(by, accept), sender=by, to=[other], now=now)
