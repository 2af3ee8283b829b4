"""FEP-0837 proposals read from incoming posts: `Proposal`, `["Note","Proposal"]`, a `Note` with `purpose`,
or a plain post whose hashtags (#offre, #demande, #offer, #request) say what it is, read with the grammar a
status posted here follows (`activitypub/hashtags.read_text_proposal`)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from fedaid.activitypub.hashtags import (
    PURPOSE_OF_TAG,
    REMOTE_TAGS,
    TextProposal,
    end_of_day,
    hours_in_text,
    purposes_of,
    read_text_proposal,
)
from fedaid.activitypub.parse.values import JSONDict, as_list, datetime_of
from fedaid.activitypub.sanitize import plain_text, sanitize_text
from fedaid.activitypub.vocab import HOUR_UNIT
from fedaid.models import ProposalPurpose, ProposalStatus

# Units we read as hours: the om2 name, its prefixed and full IRIs, and a few plain spellings.
HOUR_UNITS = frozenset(
    {HOUR_UNIT, "om2:hour", "http://www.ontology-of-units-of-measure.org/resource/om-2/hour", "h", "hours"}
)
MAX_HOURS = Decimal("999999.99")  # what Proposal.hours and Agreement.hours can hold
MAX_TITLE = 200
_KM_PER_UNIT = {"km": 1.0, "m": 0.001, "miles": 1.609344, "feet": 0.0003048, "cm": 0.00001, "inches": 0.0000254}


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
    remote_ok: bool  # fedaid:remoteOk, or a #adistance / #remote hashtag
    is_from_hashtags: bool  # a plain post read as a proposal through its hashtags
    hours_from_category: bool = False  # a plain post naming no hours: its category's default applies, as here


def read_proposal(extra: JSONDict, *, hashtags: tuple[str, ...], name: str, content: str) -> ProposalDoc | None:
    """The proposal a post carries: FEP-0837 data, else one purpose hashtag; None when it carries none.

    A proposal read from hashtags only is marked `is_from_hashtags`: whether such a post counts is
    the domain's decision (it must reach our collective, and the instance must allow it). Its text gives
    what FEP-0837 would (title, hours, place, expiry); a text naming both purposes is no proposal, as a
    status posted here with both is refused.
    """
    purpose = fep_purpose(extra)
    text: TextProposal | None = None
    if purpose is None:
        if not purposes_of(hashtags):
            return None  # spares turning the HTML into text
        text = read_text_proposal(plain_text(content), hashtags)
        if text is None or len(text.purposes) != 1:
            return None
        (purpose,) = text.purposes
    publishes = first_dict(extra.get("publishes"))
    hours = hours_of(publishes.get("resourceQuantity")) if publishes else None
    in_text = _hours_in_text(content) if hours is None else None
    hours = hours or in_text or Decimal(1)
    # Nothing left is a real answer once every hour is agreed: 0 available, not "unknown".
    available = hours_of(publishes.get("availableQuantity"), allow_zero=True) if publishes else None
    status = extra.get("status")
    return ProposalDoc(
        purpose=purpose,
        title=name[:MAX_TITLE] if name else (text.title if text and text.title else _first_line(content)),
        hours=hours,
        available_hours=min(available, hours) if available is not None else hours,
        category=_slug(extra.get("category")),
        tags=tuple(tag for tag in hashtags if tag not in PURPOSE_OF_TAG),
        place=parse_place(extra.get("location")) or _text_place(text),
        starts_at=datetime_of(extra.get("startTime")),
        expires_at=datetime_of(extra.get("endTime")) or _text_expiry(text),
        status=ProposalStatus(status) if status in ProposalStatus._value2member_map_ else None,
        has_reciprocal=bool(first_dict(extra.get("reciprocal"))),
        remote_ok=extra.get("remoteOk") is True or bool(REMOTE_TAGS & set(hashtags)),
        is_from_hashtags=text is not None,
        hours_from_category=text is not None and in_text is None,
    )


def _text_place(text: TextProposal | None) -> PlaceDoc | None:
    """The place a plain post names ("📍 Lyon"), without coordinates."""
    if text is None or not text.place_name:
        return None
    return PlaceDoc(name=sanitize_text(text.place_name)[:200], latitude=None, longitude=None, radius_km=None)


def _text_expiry(text: TextProposal | None) -> datetime | None:
    """The end of the day a plain post says it is open until, when that is a date."""
    if text is None or text.expiry_day is None:
        return None
    try:
        return end_of_day(date.fromisoformat(text.expiry_day))
    except ValueError:
        return None


def parse_place(value: Any) -> PlaceDoc | None:
    """The first Place of `location`: name, coordinates in range, radius converted to km."""
    place = first_dict(value)
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


def fep_purpose(extra: JSONDict) -> ProposalPurpose | None:
    """The purpose a post's FEP-0837 fields name, None when they name none."""
    value = extra.get("purpose")
    return ProposalPurpose(value) if value in ProposalPurpose._value2member_map_ else None


def _first_line(content: str) -> str:
    """The first line of a post's text, cut with an ellipsis past MAX_TITLE characters."""
    first_line = next((line for line in plain_text(content).split("\n") if line.strip()), "")
    return (first_line[: MAX_TITLE - 1] + "…") if len(first_line) > MAX_TITLE else first_line


def _hours_in_text(html: str) -> Decimal | None:
    hours = hours_in_text(plain_text(html))
    return _decimal(str(hours)) if hours is not None else None


def _slug(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    slug = value.strip().lstrip("#").lower()
    return slug if re.fullmatch(r"\w{1,64}", slug) else ""


def first_dict(value: Any) -> JSONDict:
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


def hours_of(value: Any, *, allow_zero: bool = False) -> Decimal | None:
    """Hours from a `resourceQuantity`-like object, when its unit is an hour."""
    if not isinstance(value, dict):
        return None
    unit = value.get("hasUnit")
    if isinstance(unit, dict):
        unit = unit.get("id") or unit.get("@id")
    if unit not in HOUR_UNITS:
        return None
    return _decimal(value.get("hasNumericalValue"), allow_zero=allow_zero)
