"""FEP-0837 agreements received: `Offer(Agreement)`, `OfferAgreement`, `Accept` with `result`, `AcceptAgreement`,
an `Accept` whose object is the Agreement, `Reject`, and a confirmation whose `context` is the agreement."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from fedaid.activitypub.parse.proposals import hours_of
from fedaid.activitypub.parse.values import JSONDict, as_list, datetime_of, id_of, is_http_url, same_origin
from fedaid.activitypub.sanitize import sanitize_text
from fedaid.activitypub.vocab import ActivityType, ObjectType
from fedaid.errors import InvalidActivity

OFFER_TYPES = frozenset({ActivityType.OFFER.value, "OfferAgreement"})
ACCEPT_TYPES = frozenset({ActivityType.ACCEPT.value, "AcceptAgreement"})
# The FEP's own Accept example spells `stipulates` as `stiplulates`; some implementations copied it.
_STIPULATES_KEYS = ("stipulates", "stiplulates")


@dataclass(frozen=True)
class CommitmentDoc:
    intent_ap_id: str  # what it satisfies, e.g. "<proposal id>#primary"
    hours: Decimal | None  # None when the unit is not an hour or no amount is given

    @property
    def proposal_ap_id(self) -> str:
        return self.intent_ap_id.split("#", 1)[0]


MAX_MEETINGS = 60


@dataclass(frozen=True)
class ScheduleDoc:
    """The meetings of a mentoring agreement (fedaid:meetings, fedaid:frequency): its hours are spread over them."""

    frequency: str  # weekly, fortnightly, monthly
    meetings: tuple[datetime, ...]  # start times, in order; each names one meeting on both servers


@dataclass(frozen=True)
class AgreementDoc:
    ap_id: str | None  # required once finalised (in Accept.result)
    primary: CommitmentDoc
    has_reciprocal: bool
    schedule: ScheduleDoc | None = None  # a mentoring agreement's meetings


@dataclass(frozen=True)
class AgreementOfferDoc:
    activity_id: str
    actor_ap_id: str
    agreement: AgreementDoc
    raw: JSONDict = field(compare=False, repr=False)


@dataclass(frozen=True)
class AgreementAcceptDoc:
    activity_id: str
    actor_ap_id: str
    offer_ap_id: str | None  # None when the Accept names the Agreement instead of our Offer
    agreement: AgreementDoc | None
    raw: JSONDict = field(compare=False, repr=False)

    @property
    def agreement_ap_id(self) -> str | None:
        return self.agreement.ap_id if self.agreement else None


@dataclass(frozen=True)
class AgreementRejectDoc:
    activity_id: str
    actor_ap_id: str
    offer_ap_id: str
    reason: str  # plain text
    raw: JSONDict = field(compare=False, repr=False)


@dataclass(frozen=True)
class ConfirmationDoc:
    activity_id: str
    actor_ap_id: str
    confirmation_ap_id: str
    agreement_ap_id: str
    published_at: datetime | None
    raw: JSONDict = field(compare=False, repr=False)
    meeting_at: datetime | None = None  # `startTime`: one meeting of a mentoring agreement, not the whole of it


def parse_schedule(value: JSONDict) -> ScheduleDoc | None:
    """The meetings an Agreement lists, or None for an ordinary agreement; ill-formed ones raise InvalidActivity."""
    if "meetings" not in value:
        return None
    starts = [datetime_of(item) for item in as_list(value.get("meetings"))]
    if not starts or any(start is None for start in starts) or len(starts) > MAX_MEETINGS:
        raise InvalidActivity(f"agreement.meetings must list 1 to {MAX_MEETINGS} dates")
    meetings = tuple(start for start in starts if start is not None)
    if list(meetings) != sorted(set(meetings)):
        raise InvalidActivity("agreement.meetings must be distinct dates in order")
    frequency = value.get("frequency")
    return ScheduleDoc(frequency=frequency if isinstance(frequency, str) else "", meetings=meetings)


def parse_agreement(value: Any, *, require_id: bool = False) -> AgreementDoc:
    """An `Agreement` object: its primary commitment (and whether a reciprocal one exists)."""
    if not isinstance(value, dict):
        raise InvalidActivity("the agreement must be an embedded object")
    if ObjectType.AGREEMENT not in _types(value) and not _stipulates(value):
        raise InvalidActivity("the object is not an Agreement")
    ap_id = id_of(value)
    if ap_id is not None and not is_http_url(ap_id):
        raise InvalidActivity("agreement id is not an http(s) URL")
    if require_id and ap_id is None:
        raise InvalidActivity("a finalised agreement needs an id")
    commitment = _stipulates(value)
    if not isinstance(commitment, dict):
        raise InvalidActivity("agreement.stipulates is missing")
    satisfies = id_of(commitment.get("satisfies"))
    if not is_http_url(satisfies):
        raise InvalidActivity("agreement.stipulates.satisfies is not an intent URL")
    return AgreementDoc(
        ap_id=ap_id,
        primary=CommitmentDoc(intent_ap_id=satisfies, hours=hours_of(commitment.get("resourceQuantity"))),
        has_reciprocal=isinstance(value.get("stipulatesReciprocal"), dict),
        schedule=parse_schedule(value),
    )


def parse_agreement_offer(doc: JSONDict) -> AgreementOfferDoc:
    """`Offer(Agreement)` or `OfferAgreement`: someone answers a proposal."""
    activity_id, actor = _activity_head(doc, OFFER_TYPES, "an Offer of an Agreement")
    target = doc.get("object")
    if not isinstance(target, dict) and "OfferAgreement" in _types(doc) and _stipulates(doc):
        target = doc  # the variant carrying the agreement's terms on the activity itself
    return AgreementOfferDoc(activity_id=activity_id, actor_ap_id=actor, agreement=parse_agreement(target), raw=doc)


def parse_agreement_accept(doc: JSONDict) -> AgreementAcceptDoc:
    """`Accept` (or `AcceptAgreement`) of our Offer, with the final Agreement in `result`, or naming it as `object`."""
    activity_id, actor = _activity_head(doc, ACCEPT_TYPES, "an Accept of an agreement")
    target, result = doc.get("object"), doc.get("result")
    offer_ap_id: str | None = None
    agreement: AgreementDoc | None = None
    if isinstance(target, dict) and (ObjectType.AGREEMENT in _types(target) or _stipulates(target)):
        agreement = parse_agreement(target, require_id=True)
    else:
        offer_ap_id = id_of(target)
        if isinstance(target, dict) and not OFFER_TYPES & set(_types(target)) and _types(target):
            raise InvalidActivity("the Accept is not about an agreement offer")
        if result is None and isinstance(target, dict) and isinstance(target.get("object"), dict):
            agreement = parse_agreement(target["object"])
    if isinstance(result, dict):
        agreement = parse_agreement(result, require_id=True)
    if agreement is None and "AcceptAgreement" not in _types(doc):
        raise InvalidActivity("an Accept of an agreement needs `result` (the Agreement)")
    if offer_ap_id is None and agreement is None:
        raise InvalidActivity("the Accept names neither an Offer nor an Agreement")
    return AgreementAcceptDoc(
        activity_id=activity_id, actor_ap_id=actor, offer_ap_id=offer_ap_id, agreement=agreement, raw=doc
    )


def parse_agreement_reject(doc: JSONDict) -> AgreementRejectDoc:
    """`Reject` of an Offer(Agreement); the object is the Offer id (or the embedded Offer)."""
    activity_id, actor = _activity_head(doc, frozenset({ActivityType.REJECT.value}), "a Reject")
    offer_ap_id = id_of(doc.get("object"))
    if not is_http_url(offer_ap_id):
        raise InvalidActivity("Reject object is not an Offer id")
    content = doc.get("content")
    return AgreementRejectDoc(
        activity_id=activity_id,
        actor_ap_id=actor,
        offer_ap_id=offer_ap_id,
        reason=sanitize_text(content)[:500] if isinstance(content, str) else "",
        raw=doc,
    )


def parse_confirmation(doc: JSONDict) -> ConfirmationDoc:
    """A confirmation that an agreement was fulfilled: `Create` of an object whose `context` is the Agreement."""
    activity_id, actor = _activity_head(doc, frozenset({ActivityType.CREATE.value}), "a Create")
    target = doc.get("object")
    if not isinstance(target, dict):
        raise InvalidActivity("the confirmation must be embedded in the Create")
    confirmation_ap_id, agreement_ap_id = id_of(target), id_of(target.get("context"))
    if not is_http_url(confirmation_ap_id) or not same_origin(confirmation_ap_id, actor):
        raise InvalidActivity("the confirmation id is missing or on another server than the actor")
    if not is_http_url(agreement_ap_id):
        raise InvalidActivity("the confirmation has no agreement in `context`")
    return ConfirmationDoc(
        activity_id=activity_id,
        actor_ap_id=actor,
        confirmation_ap_id=confirmation_ap_id,
        agreement_ap_id=agreement_ap_id,
        published_at=datetime_of(target.get("published")),
        raw=doc,
        meeting_at=datetime_of(target.get("startTime")),
    )


def is_confirmation(doc: JSONDict) -> bool:
    """A Create whose object is not a post but refers to an agreement by `context` (no Note, no content)."""
    target = doc.get("object")
    return (
        ActivityType.CREATE in _types(doc)
        and isinstance(target, dict)
        and ObjectType.DOCUMENT in _types(target)
        and id_of(target.get("context")) is not None
    )


def _types(doc: JSONDict) -> tuple[str, ...]:
    return tuple(name for name in as_list(doc.get("type")) if isinstance(name, str))


def _stipulates(doc: JSONDict) -> Any:
    return next((doc[key] for key in _STIPULATES_KEYS if key in doc), None)


def _activity_head(doc: JSONDict, types: frozenset[str], what: str) -> tuple[str, str]:
    if not isinstance(doc, dict) or not types & set(_types(doc)):
        raise InvalidActivity(f"the activity is not {what}")
    activity_id, actor = id_of(doc), id_of(doc.get("actor"))
    if not is_http_url(activity_id) or not is_http_url(actor):
        raise InvalidActivity("activity id or actor is missing")
    if not same_origin(activity_id, actor):
        raise InvalidActivity("activity id and actor are on different servers")
    return activity_id, actor
