"""FEP-0837 on the wire, outbound: the agreement activities we send and the confirmation of an exchange.

Pure and synchronous; reading them is `activitypub.parse.agreements`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from fedaid.activitypub.notes import iso, quantity
from fedaid.activitypub.parse.agreements import ScheduleDoc
from fedaid.activitypub.parse.values import JSONDict
from fedaid.activitypub.vocab import ACTIVITY_CONTEXT, ActivityType, ObjectType
from fedaid.models import Actor, Agreement, Exchange


def _commitment(agreement: Agreement, proposal_ap_id: str, *, final: bool) -> JSONDict:
    commitment: JSONDict = {
        "type": ObjectType.COMMITMENT.value,
        "satisfies": f"{proposal_ap_id}#primary",
        "resourceQuantity": quantity(agreement.hours),
    }
    if final:
        commitment = {"id": f"{agreement.ap_id}#primary", **commitment}
    return commitment


def render_offer_agreement(
    agreement: Agreement,
    *,
    offerer: Actor,
    proposal_ap_id: str,
    author_ap_id: str,
    schedule: ScheduleDoc | None = None,
) -> JSONDict:
    """`Offer(Agreement)` to the proposal's author (FEP-0837 "Responding to a proposal"); a mentoring agreement
    lists its meetings, over which its hours are spread."""
    if not agreement.offer_activity_id:
        raise ValueError("the agreement has no offer activity id")
    terms: JSONDict = {
        "type": ObjectType.AGREEMENT.value,
        "stipulates": _commitment(agreement, proposal_ap_id, final=False),
    }
    if schedule is not None:
        terms["frequency"] = schedule.frequency
        terms["meetings"] = [iso(start) for start in schedule.meetings]
    return {
        "@context": list(ACTIVITY_CONTEXT),
        "type": ActivityType.OFFER.value,
        "id": agreement.offer_activity_id,
        "actor": offerer.ap_id,
        "object": terms,
        "to": author_ap_id,
    }


def render_final_agreement(agreement: Agreement, *, author: Actor, proposal_ap_id: str) -> JSONDict:
    """The finalised Agreement, with ids on the agreement and its commitment."""
    if not agreement.ap_id:
        raise ValueError("a finalised agreement needs its ap_id")
    return {
        "type": ObjectType.AGREEMENT.value,
        "id": agreement.ap_id,
        "attributedTo": author.ap_id,
        "stipulates": _commitment(agreement, proposal_ap_id, final=True),
    }


def render_accept_agreement(
    agreement: Agreement, *, author: Actor, proposal_ap_id: str, offerer_ap_id: str
) -> JSONDict:
    """`Accept` of the Offer, with `result` the finalised Agreement."""
    return {
        "@context": list(ACTIVITY_CONTEXT),
        "type": ActivityType.ACCEPT.value,
        "id": f"{agreement.ap_id}/accept",
        "actor": author.ap_id,
        "object": agreement.offer_activity_id,
        "result": render_final_agreement(agreement, author=author, proposal_ap_id=proposal_ap_id),
        "to": offerer_ap_id,
    }


def render_reject_agreement(agreement: Agreement, *, author: Actor, offerer_ap_id: str, reason: str = "") -> JSONDict:
    """`Reject` of the Offer, with the reason as `content` when one is given."""
    reject: JSONDict = {
        "@context": list(ACTIVITY_CONTEXT),
        "type": ActivityType.REJECT.value,
        "id": f"{agreement.ap_id}/reject",
        "actor": author.ap_id,
        "object": agreement.offer_activity_id,
        "to": offerer_ap_id,
    }
    if reason:
        reject["content"] = reason
    return reject


def confirmation_ap_id(confirmer: Actor, agreement: Agreement) -> str:
    """One confirmation per side and agreement, so a repeated confirmation carries the same id."""
    return f"{confirmer.ap_id}/confirmations/{agreement.id}"


def render_confirmation(
    exchange: Exchange, agreement: Agreement, *, confirmer: Actor, confirmation_id: str, confirmed_at: datetime, to: str
) -> JSONDict:
    """Create(Document) saying the help under `agreement` was given; `context` names the agreement."""
    return _receipt(
        agreement, confirmer, confirmation_id, {"resourceQuantity": quantity(exchange.hours)}, confirmed_at, to
    )


def meeting_confirmation_ap_id(confirmer: Actor, agreement: Agreement, meeting_at: datetime) -> str:
    """One confirmation per side and meeting, so a repeated confirmation carries the same id."""
    return f"{confirmer.ap_id}/confirmations/{agreement.id}/meetings/{int(meeting_at.timestamp())}"


def render_meeting_confirmation(
    agreement: Agreement,
    *,
    confirmer: Actor,
    meeting_at: datetime,
    hours: Decimal,
    confirmed_at: datetime,
    to: str,
) -> JSONDict:
    """Create(Document) saying one meeting of a mentoring agreement took place: the exchange's confirmation,
    with `startTime` naming the meeting and the meeting's hours."""
    confirmation_id = meeting_confirmation_ap_id(confirmer, agreement, meeting_at)
    fields = {"startTime": iso(meeting_at), "resourceQuantity": quantity(hours)}
    return _receipt(agreement, confirmer, confirmation_id, fields, confirmed_at, to)


def _receipt(
    agreement: Agreement, confirmer: Actor, confirmation_id: str, fields: JSONDict, confirmed_at: datetime, to: str
) -> JSONDict:
    """Create(Document "Receipt") of `confirmer` about `agreement`, with what it confirms in `fields`."""
    return {
        "@context": list(ACTIVITY_CONTEXT),
        "type": ActivityType.CREATE.value,
        "id": f"{confirmation_id}/create",
        "actor": confirmer.ap_id,
        "object": {
            "type": ObjectType.DOCUMENT.value,
            "id": confirmation_id,
            "name": "Receipt",
            "context": agreement.ap_id,
            "attributedTo": confirmer.ap_id,
            **fields,
            "published": iso(confirmed_at),
        },
        "to": to,
    }
