"""Exchanges: each side of an accepted agreement confirms that the help was given.

Confirming twice, or receiving the same confirmation again, changes nothing: each side's time is
set by a conditional UPDATE, once. When both sides have confirmed, the agreement is fulfilled and
the ledger counts it. A member's confirmation goes to the other party's server as an activity
whose `context` is the agreement (FEP-0837 confirmation); a party who can only post (a Mastodon user
whose reply became the agreement) gets a direct note instead, and their Like of it or their reply with a
named word is their confirmation, or their dispute (`confirmation_notes`). A disputed exchange never
counts. Each side records how it confirmed (`ConfirmationWay`). No HTTP here.
"""

from __future__ import annotations

from datetime import datetime

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from fedaid.activitypub.parse.agreements import ConfirmationDoc
from fedaid.activitypub.proposals import confirmation_ap_id, render_confirmation
from fedaid.clock import utcnow
from fedaid.domain import mentorships, proposals
from fedaid.domain.confirmation_notes import Answer, ask_to_confirm, read_answer
from fedaid.domain.publish import publish
from fedaid.errors import Conflict, Forbidden, NotFound, NotYet
from fedaid.models import (
    Actor,
    Agreement,
    AgreementState,
    ConfirmationWay,
    Exchange,
    Notification,
    NotificationKind,
    Post,
    Proposal,
    ProposalStatus,
)

_CONFIRMABLE = (AgreementState.ACCEPTED, AgreementState.FULFILLED)


async def confirm_exchange(agreement: Agreement, *, by: Actor, now: datetime | None = None) -> Exchange:
    """A member here confirms, as provider or receiver, that the agreed help was given."""
    side = _side(agreement, by)
    if not by.is_local:
        raise Forbidden("Confirmations from elsewhere arrive through the inbox.")
    moment = now or utcnow()
    async with in_transaction():
        exchange = await _exchange_for(agreement)
        if await _record(exchange, side, moment, confirmation_ap_id(by, agreement), ConfirmationWay.HERE):
            other = await Actor.get(id=agreement.receiver_id if side == "provider" else agreement.provider_id)
            await _tell(other, by, agreement, exchange, moment)
            await _complete_if_confirmed(exchange, agreement, now=moment)
    return exchange


async def receive_confirmation(doc: ConfirmationDoc, actor: Actor, *, now: datetime | None = None) -> Exchange:
    """A party elsewhere confirmed; the same confirmation received again counts once."""
    agreement = await agreement_confirmed(doc, actor)
    side = _side(agreement, actor)
    if actor.is_local:
        raise Forbidden("A local member confirms here, not through the inbox.")
    moment = now or utcnow()
    async with in_transaction():
        exchange = await _exchange_for(agreement)
        if await _record(exchange, side, doc.published_at or moment, doc.confirmation_ap_id, ConfirmationWay.ACTIVITY):
            other = await Actor.get(id=agreement.receiver_id if side == "provider" else agreement.provider_id)
            await _notify(other, actor, agreement)
            await _complete_if_confirmed(exchange, agreement, now=moment)
    return exchange


async def receive_like(actor: Actor, post: Post, like_ap_id: str, *, now: datetime | None = None) -> Exchange | None:
    """A Like of a confirmation note by the party it asks: their confirmation (None: not such a note or party)."""
    exchange = await Exchange.get_or_none(confirmation_note_id=post.id)
    if exchange is None:
        return None
    return await _answered(exchange, actor, Answer.CONFIRMED, ConfirmationWay.LIKE, like_ap_id, now=now)


async def receive_reply(reply: Post, *, now: datetime | None = None) -> Exchange | None:
    """A reply from elsewhere to a confirmation note: a confirmation or a dispute when it carries a named word."""
    if reply.is_local or reply.in_reply_to_id is None:
        return None
    exchange = await Exchange.get_or_none(confirmation_note_id=reply.in_reply_to_id)
    answer = read_answer(reply.content) if exchange is not None else None
    if exchange is None or answer is None:
        return None
    actor = await Actor.get(id=reply.author_id)
    return await _answered(exchange, actor, answer, ConfirmationWay.REPLY, reply.ap_id, now=now)


async def _answered(
    exchange: Exchange, actor: Actor, answer: Answer, via: ConfirmationWay, ap_id: str, *, now: datetime | None
) -> Exchange | None:
    """The party's answer to our note, once: the first confirmation or dispute stands, later ones change nothing."""
    agreement = await Agreement.get(id=exchange.agreement_id)
    if actor.is_local or actor.id not in (agreement.provider_id, agreement.receiver_id):
        return None  # a like or a reply by anyone else is only that
    side = _side(agreement, actor)
    other = await Actor.get(id=agreement.receiver_id if side == "provider" else agreement.provider_id)
    moment = now or utcnow()
    async with in_transaction():
        if answer == Answer.DISPUTED:
            if await Exchange.filter(
                id=exchange.id, disputed_at__isnull=True, **{f"{side}_confirmed_at__isnull": True}
            ).update(disputed_at=moment, dispute_ap_id=ap_id):
                await _notify(other, actor, agreement, action="disputed")
        elif await _record(exchange, side, moment, ap_id, via):
            await _notify(other, actor, agreement)
            await _complete_if_confirmed(exchange, agreement, now=moment)
    await exchange.refresh_from_db()
    return exchange


async def agreement_confirmed(doc: ConfirmationDoc, actor: Actor) -> Agreement:
    """The agreement a confirmation from elsewhere names; NotYet while its Accept may still be on its way."""
    agreement = await Agreement.get_or_none(ap_id=doc.agreement_ap_id)
    if agreement is None:
        if await Agreement.filter(
            Q(provider_id=actor.id) | Q(receiver_id=actor.id), state=AgreementState.OFFERED
        ).exists():
            # Delivered in parallel, the confirmation can overtake the Accept that gives the agreement its id.
            raise NotYet("The agreement's Accept has not arrived yet.")
        raise NotFound("No agreement here has that id.")
    return agreement


async def find_exchange(agreement: Agreement) -> Exchange | None:
    return await Exchange.get_or_none(agreement_id=agreement.id)


def _side(agreement: Agreement, actor: Actor) -> str:
    if actor.id == agreement.provider_id:
        return "provider"
    if actor.id == agreement.receiver_id:
        return "receiver"
    raise Forbidden("Only a party to this agreement can confirm it.")


async def _exchange_for(agreement: Agreement) -> Exchange:
    """The agreement's exchange, created on the first confirmation (once, even when both confirm at once)."""
    await agreement.refresh_from_db(fields=["state"])
    if agreement.state not in _CONFIRMABLE:
        raise Conflict("Only an accepted agreement can be confirmed.")
    if await mentorships.find_mentorship(agreement.id) is not None:
        raise Conflict("A mentoring agreement is confirmed meeting by meeting.")
    await Exchange.bulk_create([Exchange(agreement_id=agreement.id, hours=agreement.hours)], ignore_conflicts=True)
    return await Exchange.get(agreement_id=agreement.id)


async def _record(exchange: Exchange, side: str, moment: datetime, ap_id: str, via: ConfirmationWay) -> bool:
    """Set this side's confirmation if it is not set yet and nobody disputed it; False for a repeat or a replay."""
    if await Exchange.filter(**{f"{side}_confirmation_ap_id": ap_id}).exclude(id=exchange.id).exists():
        raise Conflict("That confirmation belongs to another exchange.")
    changed = await Exchange.filter(
        id=exchange.id, disputed_at__isnull=True, **{f"{side}_confirmed_at__isnull": True}
    ).update(**{f"{side}_confirmed_at": moment, f"{side}_confirmation_ap_id": ap_id, f"{side}_confirmed_via": via})
    await exchange.refresh_from_db()
    return bool(changed)


async def _complete_if_confirmed(exchange: Exchange, agreement: Agreement, *, now: datetime) -> None:
    """Both sides confirmed: the agreement is fulfilled (`fulfil_agreement`)."""
    if exchange.is_confirmed:
        await fulfil_agreement(agreement, now=now)


async def fulfil_agreement(agreement: Agreement, *, now: datetime) -> bool:
    """An accepted agreement becomes fulfilled (False if it was not accepted), and so does its proposal once it
    is fully agreed with nothing pending.

    Only the proposal's own server decides the proposal's status: it sees every agreement, and its Update(Note)
    carries the status to the others. A copy here of a proposal from elsewhere waits for that Update.
    """
    changed = await Agreement.filter(id=agreement.id, state=AgreementState.ACCEPTED).update(
        state=AgreementState.FULFILLED, updated_at=now
    )
    if not changed:
        return False
    agreement.state = AgreementState.FULFILLED
    proposal = await Proposal.get(id=agreement.proposal_id)
    if not await Post.filter(id=proposal.post_id, is_local=True).exists():
        return True
    pending = await Agreement.filter(
        proposal_id=proposal.id, state__in=(AgreementState.OFFERED, AgreementState.ACCEPTED)
    ).exists()
    if proposal.status == ProposalStatus.AGREED and not pending:
        await proposals.change_status(proposal, ProposalStatus.FULFILLED, now=now)
    return True


async def _tell(other: Actor, confirmer: Actor, agreement: Agreement, exchange: Exchange, moment: datetime) -> None:
    if other.is_local:
        await _notify(other, confirmer, agreement)
        return
    if agreement.offer_activity_id is None:
        # They made the agreement by a reply and never sent FEP-0837 (a Mastodon user): ask them in a note.
        note = await ask_to_confirm(agreement, confirmer=confirmer, other=other, now=moment)
        await Exchange.filter(id=exchange.id).update(confirmation_note_id=note.id)
        exchange.confirmation_note_id = note.id
        return
    if not agreement.ap_id:
        raise Conflict("The agreement has no id yet; wait for its author's acceptance.")
    await publish(
        render_confirmation(
            exchange,
            agreement,
            confirmer=confirmer,
            confirmation_id=confirmation_ap_id(confirmer, agreement),
            confirmed_at=moment,
            to=other.ap_id,
        ),
        sender=confirmer,
        to=[other],
        now=moment,
    )


async def _notify(recipient: Actor, sender: Actor, agreement: Agreement, *, action: str = "") -> None:
    if recipient.is_local:
        post_id = await Proposal.filter(id=agreement.proposal_id).values_list("post_id", flat=True)
        await Notification.create(
            recipient=recipient,
            kind=NotificationKind.EXCHANGE,
            from_actor=sender,
            post_id=post_id[0] if post_id else None,
            agreement_id=agreement.id,
            action=action,
        )
