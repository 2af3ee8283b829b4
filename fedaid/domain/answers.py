"""Answers received from elsewhere: Accept, Reject and Undo of our follows and of FEP-0837 agreement steps,
and the agreement steps themselves (Offer, confirmation).

A step that is not about our proposals or agreements (another server's, a stale one) is acknowledged
and ignored: logged, nothing stored. Only a step that may succeed later (`NotYet`) is retried.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from fedaid.activitypub.parse.agreements import AgreementAcceptDoc, AgreementRejectDoc
from fedaid.activitypub.parse.inbound import AgreementConfirmed, AgreementOffered, Answered, Undone
from fedaid.activitypub.vocab import ActivityType
from fedaid.domain import exchanges, follows, mentoring, participation, reactions, received_agreements
from fedaid.domain.inbound import Incoming
from fedaid.errors import Conflict, Forbidden, InvalidActivity, InvalidInput, NotFound

log = logging.getLogger("fedaid.answers")

_NOT_OURS = (InvalidActivity, NotFound, Forbidden, Conflict, InvalidInput)


async def receive_answer(incoming: Incoming, answer: Answered) -> None:
    """Accept or Reject: of a Join of ours (Mobilizon), of one of our follows (by its id, as Mitra sends it, or
    embedded), else of our offer."""
    if answer.join_ap_id is not None and await participation.receive_join_answer(
        incoming.actor, answer.join_ap_id, accepted=answer.is_accept
    ):
        return
    if answer.follow is not None:
        receive = follows.receive_accept if answer.is_accept else follows.receive_reject
        if await receive(incoming.actor, answer.follow):
            return
    match answer.agreement:
        case AgreementAcceptDoc() as doc:
            await _agreement_step(received_agreements.receive_accept(doc, incoming.actor), doc.activity_id)
        case AgreementRejectDoc() as doc:
            await _agreement_step(received_agreements.receive_reject(doc, incoming.actor), doc.activity_id)
        case None if answer.agreement_error:
            log.info("answer ignored", extra={"actor": incoming.actor.ap_id, "reason": answer.agreement_error})


async def receive_offer(incoming: Incoming, offered: AgreementOffered) -> None:
    """FEP-0837 Offer(Agreement): someone elsewhere answers one of our proposals."""
    await _agreement_step(received_agreements.receive_offer(offered.doc, incoming.actor), offered.doc.activity_id)


async def receive_confirmation(incoming: Incoming, confirmed: AgreementConfirmed) -> None:
    """FEP-0837: the other party confirms that the help was given (one meeting of it, for a mentoring)."""
    doc = confirmed.doc
    if doc.meeting_at is not None:
        await _agreement_step(mentoring.receive_meeting_confirmation(doc, incoming.actor), doc.activity_id)
    else:
        await _agreement_step(exchanges.receive_confirmation(doc, incoming.actor), doc.activity_id)


async def receive_undo(incoming: Incoming, undone: Undone) -> None:
    """Undo of a Follow, Like, Announce or agreement step; by id only, whichever of our rows has that id."""
    actor = incoming.actor
    match undone.kind:
        case ActivityType.FOLLOW:
            await follows.receive_undo_follow(actor, undone.follow)
        case ActivityType.LIKE:
            await reactions.receive_undo_like(actor, undone.ap_id, undone.object_ap_id)
        case ActivityType.ANNOUNCE:
            await reactions.receive_undo_boost(actor, undone.ap_id, undone.object_ap_id)
        case ActivityType.OFFER if undone.offer is not None:  # the offerer withdraws
            await _agreement_step(received_agreements.receive_undo_offer(undone.offer, actor), undone.offer.activity_id)
        case ActivityType.ACCEPT if undone.accept is not None:  # the author calls off what they accepted
            await _agreement_step(
                received_agreements.receive_undo_accept(undone.accept, actor), undone.accept.activity_id
            )
        case None:  # only the id (Mitra, older servers)
            await follows.receive_undo_follow(actor, undone.follow)
            await reactions.receive_undo_like(actor, undone.ap_id, None)
            await reactions.receive_undo_boost(actor, undone.ap_id)
        case _:
            pass  # Undo(Block), an agreement step that does not parse...: nothing of theirs is kept


async def tolerant(step: Awaitable[object], activity_id: str) -> None:
    """Run a mutual-aid step from elsewhere; one about nothing of ours is logged and ignored."""
    await _agreement_step(step, activity_id)


async def _agreement_step(step: Awaitable[object], activity_id: str) -> None:
    try:
        await step
    except _NOT_OURS as err:
        log.info("agreement activity ignored", extra={"activity_id": activity_id, "reason": str(err)})
