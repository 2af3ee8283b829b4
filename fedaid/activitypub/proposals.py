"""FEP-0837 on the wire: proposals read from incoming posts, and the agreement activities both ways.

Pure and synchronous. Parsing accepts the spellings peers send: `Proposal`, `["Note","Proposal"]`,
a `Note` with `purpose`, a plain Mastodon post mentioning the collective with #offre/#demande; and
`Offer(Agreement)`, `OfferAgreement`, `Accept` with `result`, `AcceptAgreement`, an `Accept` whose
object is the Agreement, `Reject`, and a confirmation whose `context` is the agreement.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from fedaid.activitypub.notes import HOUR_UNIT, PURPOSE_OF_TAG, iso, quantity
from fedaid.activitypub.parse import (
    NoteDoc,
    _datetime,
    as_list,
    id_of,
    is_http_url,
    same_origin,
)
from fedaid.activitypub.sanitize import plain_text, sanitize_text
from fedaid.activitypub.vocab import ACTIVITY_CONTEXT, ActivityType, ObjectType
from fedaid.errors import InvalidActivity
from fedaid.models import Actor, Agreement, Exchange, ProposalPurpose, ProposalStatus

JSONDict = dict[str, Any]

# Units we read as hours: the om2 name, its prefixed and full IRIs, and a few plain spellings.
HOUR_UNITS = frozenset(
    {HOUR_UNIT, "om2:hour", "http://www.ontology-of-units-of-measure.org/resource/om-2/hour", "h", "hours"}
)
MAX_HOURS = Decimal("999999.99")  # what Proposal.hours and Agreement.hours can hold
MAX_TITLE = 200
OFFER_TYPES = frozenset({ActivityType.OFFER.value, "OfferAgreement"})
ACCEPT_TYPES = frozenset({ActivityType.ACCEPT.value, "AcceptAgreement"})
# The FEP's own Accept example spells `stipulates` as `stiplulates`; some implementations copied it.
_STIPULATES_KEYS = ("stipulates", "stiplulates")
_HOURS_IN_TEXT = re.compile(r"(\d{1,4}(?:[.,]\d{1,2})?)\s*(?:h|heures?|hours?|hrs?)\b", re.IGNORECASE)
_KM_PER_UNIT = {"km": 1.0, "m": 0.001, "miles": 1.609344, "feet": 0.0003048, "cm": 0.00001, "inches": 0.0000254}


# ---------------------------------------------------------------- proposals


@dataclass(frozen=True)
class PlaceDoc:
    name: str
    latitude: float | None
    longitude: float | None
    radius_km: float | None


@dataclass(frozen=True)
class ProposalDoc:
    purpose: ProposalPurpose
    title: str  # plain text
    hours: Decimal
    available_hours: Decimal
    category: str  # fedaid:category slug, "" when absent
    tags: tuple[str, ...]  # hashtags without the purpose tags
    place: PlaceDoc | None
    starts_at: datetime | None
    expires_at: datetime | None
    status: ProposalStatus | None  # fedaid:status, when sent
    has_reciprocal: bool  # something is expected back (FEP-0837 reciprocal intent)
    is_from_hashtags: bool  # a plain post read as a proposal through its hashtags


def parse_proposal(
    note: NoteDoc, *, collective_ap_id: str | None = None, allow_hashtag_proposals: bool = False
) -> ProposalDoc:
    """The proposal a post carries, or InvalidActivity when it is none.

    FEP-0837 data wins; a plain post counts only when hashtag proposals are allowed and it
    mentions or addresses the collective.
    """
    purpose = _purpose(note.extra.get("purpose"))
    from_hashtags = False
    if purpose is None:
        purpose = _purpose_from_hashtags(note) if allow_hashtag_proposals and _reaches(note, collective_ap_id) else None
        from_hashtags = purpose is not None
    if purpose is None:
        raise InvalidActivity("the post is not a proposal (no purpose)")
    publishes = _first_dict(note.extra.get("publishes"))
    hours = _hours(publishes.get("resourceQuantity")) if publishes else None
    if hours is None:
        hours = _hours_in_text(note.content) or Decimal(1)
    # Nothing left is a real answer once every hour is agreed: 0 available, not "unknown".
    available = _hours(publishes.get("availableQuantity"), allow_zero=True) if publishes else None
    status = note.extra.get("status")
    return ProposalDoc(
        purpose=purpose,
        title=_title(note),
        hours=hours,
        available_hours=min(available, hours) if available is not None else hours,
        category=_slug(note.extra.get("category")),
        tags=tuple(tag for tag in note.hashtags if tag not in PURPOSE_OF_TAG),
        place=parse_place(note.extra.get("location")),
        starts_at=_datetime(note.extra.get("startTime")),
        expires_at=_datetime(note.extra.get("endTime")),
        status=ProposalStatus(status) if status in ProposalStatus._value2member_map_ else None,
        has_reciprocal=bool(_first_dict(note.extra.get("reciprocal"))),
        is_from_hashtags=from_hashtags,
    )


def looks_like_proposal(
    note: NoteDoc, *, collective_ap_id: str | None = None, allow_hashtag_proposals: bool = False
) -> bool:
    """Whether `parse_proposal` would find a proposal in this post."""
    if _purpose(note.extra.get("purpose")) is not None:
        return True
    return allow_hashtag_proposals and _reaches(note, collective_ap_id) and _purpose_from_hashtags(note) is not None


def parse_place(value: Any) -> PlaceDoc | None:
    """The first Place of `location`: name, coordinates in range, radius converted to km."""
    place = _first_dict(value)
    if not place:
        return None
    latitude, longitude = _float(place.get("latitude")), _float(place.get("longitude"))
    if latitude is None or longitude is None or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        latitude = longitude = None
    radius = _float(place.get("radius"))
    factor = _KM_PER_UNIT.get(place.get("units") if isinstance(place.get("units"), str) else "m")
    radius_km = radius * factor if radius is not None and radius >= 0 and factor else None
    name = sanitize_text(place["name"])[:200] if isinstance(place.get("name"), str) else ""
    if not name and latitude is None:
        return None
    return PlaceDoc(name=name, latitude=latitude, longitude=longitude, radius_km=radius_km)


def _purpose(value: Any) -> ProposalPurpose | None:
    return ProposalPurpose(value) if value in ProposalPurpose._value2member_map_ else None


def _purpose_from_hashtags(note: NoteDoc) -> ProposalPurpose | None:
    return next((PURPOSE_OF_TAG[tag] for tag in note.hashtags if tag in PURPOSE_OF_TAG), None)


def _reaches(note: NoteDoc, collective_ap_id: str | None) -> bool:
    if collective_ap_id is None:
        return False
    return collective_ap_id in (*note.mentions, *note.to, *note.cc, *note.audience)


def _title(note: NoteDoc) -> str:
    if note.name:
        return note.name[:MAX_TITLE]
    first_line = next((line for line in plain_text(note.content).split("\n") if line.strip()), "")
    return (first_line[: MAX_TITLE - 1] + "…") if len(first_line) > MAX_TITLE else first_line


def _hours_in_text(html: str) -> Decimal | None:
    match = _HOURS_IN_TEXT.search(plain_text(html))
    return _decimal(match[1].replace(",", ".")) if match else None


def _slug(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    slug = value.strip().lstrip("#").lower()
    return slug if re.fullmatch(r"\w{1,64}", slug) else ""


def _first_dict(value: Any) -> JSONDict:
    return next((item for item in as_list(value) if isinstance(item, dict)), {})


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _decimal(value: Any, *, allow_zero: bool = False) -> Decimal | None:
    """A positive (or, when allowed, zero) quantity we can store, from a number or a numeric string; None otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not number.is_finite() or number < 0 or (number == 0 and not allow_zero) or number > MAX_HOURS:
        return None
    return number.quantize(Decimal("0.01"))


def _hours(value: Any, *, allow_zero: bool = False) -> Decimal | None:
    """Hours from a `resourceQuantity`-like object, when its unit is an hour."""
    if not isinstance(value, dict):
        return None
    unit = value.get("hasUnit")
    if isinstance(unit, dict):
        unit = unit.get("id") or unit.get("@id")
    if unit not in HOUR_UNITS:
        return None
    return _decimal(value.get("hasNumericalValue"), allow_zero=allow_zero)


# ---------------------------------------------------------------- agreements: parsing


@dataclass(frozen=True)
class CommitmentDoc:
    intent_ap_id: str  # what it satisfies, e.g. "<proposal id>#primary"
    hours: Decimal | None  # None when the unit is not an hour or no amount is given

    @property
    def proposal_ap_id(self) -> str:
        return self.intent_ap_id.split("#", 1)[0]


@dataclass(frozen=True)
class AgreementDoc:
    ap_id: str | None  # required once finalised (in Accept.result)
    primary: CommitmentDoc
    has_reciprocal: bool


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
        primary=CommitmentDoc(intent_ap_id=satisfies, hours=_hours(commitment.get("resourceQuantity"))),
        has_reciprocal=isinstance(value.get("stipulatesReciprocal"), dict),
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
        published_at=_datetime(target.get("published")),
        raw=doc,
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


# ---------------------------------------------------------------- agreements: rendering


def _commitment(agreement: Agreement, proposal_ap_id: str, *, final: bool) -> JSONDict:
    commitment: JSONDict = {
        "type": ObjectType.COMMITMENT.value,
        "satisfies": f"{proposal_ap_id}#primary",
        "resourceQuantity": quantity(agreement.hours),
    }
    if final:
        commitment = {"id": f"{agreement.ap_id}#primary", **commitment}
    return commitment


def render_offer_agreement(agreement: Agreement, *, offerer: Actor, proposal_ap_id: str, author_ap_id: str) -> JSONDict:
    """`Offer(Agreement)` to the proposal's author (FEP-0837 "Responding to a proposal")."""
    if not agreement.offer_activity_id:
        raise ValueError("the agreement has no offer activity id")
    return {
        "@context": list(ACTIVITY_CONTEXT),
        "type": ActivityType.OFFER.value,
        "id": agreement.offer_activity_id,
        "actor": offerer.ap_id,
        "object": {
            "type": ObjectType.AGREEMENT.value,
            "stipulates": _commitment(agreement, proposal_ap_id, final=False),
        },
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
            "resourceQuantity": quantity(exchange.hours),
            "published": iso(confirmed_at),
        },
        "to": to,
    }
