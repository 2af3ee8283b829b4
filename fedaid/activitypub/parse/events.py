"""Coaching sessions as others publish them: an `Event` from Mobilizon, Gancio, a FEP-8a8e publisher or
fedaid, and a `Join` (embedded in its Accept or Reject, or by id), read into frozen dataclasses.

Untrusted JSON in; `InvalidActivity` says what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fedaid.activitypub.parse.values import JSONDict, as_list, id_of, is_http_url
from fedaid.activitypub.sanitize import sanitize_html, sanitize_text
from fedaid.activitypub.vocab import ActivityType, ObjectType
from fedaid.errors import InvalidActivity

_VIRTUAL_TYPES = ("VirtualLocation", "Link")


@dataclass(frozen=True)
class EventDoc:
    """An Event from Mobilizon, Gancio, a FEP-8a8e publisher or fedaid, reduced to what the pages show."""

    ap_id: str
    url: str | None
    name: str  # plain text
    content: str  # sanitised HTML
    attributed_to: str | None
    organizer: str | None  # `actor`: Mobilizon names the member who organises a group's event here
    starts_at: datetime
    ends_at: datetime
    timezone: str
    place_name: str
    place_address: str
    online_url: str
    capacity: int | None  # None or 0: no limit
    remaining: int | None
    participant_count: int | None
    join_mode: str
    category: str
    status: str
    raw: JSONDict


def is_event(value: Any) -> bool:
    return isinstance(value, dict) and ObjectType.EVENT.value in as_list(value.get("type"))


def parse_event(doc: JSONDict) -> EventDoc:
    """An Event document; `InvalidActivity` names what is missing or wrong."""
    if not is_event(doc):
        raise InvalidActivity("the object is not an Event")
    ap_id = doc.get("id")
    if not is_http_url(ap_id):
        raise InvalidActivity("event id is missing or not an http(s) URL")
    starts_at = _moment(doc.get("startTime"))
    if starts_at is None:
        raise InvalidActivity("event startTime is missing or not a date-time")
    ends_at = _moment(doc.get("endTime")) or starts_at
    if ends_at < starts_at:
        raise InvalidActivity("event endTime is before its startTime")
    place_name, place_address, online_url = _where(doc.get("location"))
    online_url = online_url or _online_link(doc.get("attachment"))
    url = id_of(doc.get("url")) if isinstance(doc.get("url"), str | dict) else None
    return EventDoc(
        ap_id=ap_id,
        url=url if is_http_url(url) else None,
        name=sanitize_text(doc["name"])[:200] if isinstance(doc.get("name"), str) else "",
        content=sanitize_html(doc["content"]) if isinstance(doc.get("content"), str) else "",
        attributed_to=_first_id(doc.get("attributedTo")) or _first_id(doc.get("actor")),
        organizer=_first_id(doc.get("actor")),
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=doc["timezone"][:64] if isinstance(doc.get("timezone"), str) else "UTC",
        place_name=place_name[:200],
        place_address=place_address[:400],
        online_url=online_url[:512],
        capacity=_count(doc.get("maximumAttendeeCapacity")),
        remaining=_count(doc.get("remainingAttendeeCapacity")),
        participant_count=_count(doc.get("participantCount")) or _total(doc.get("attendees")),
        join_mode=doc["joinMode"] if doc.get("joinMode") in ("free", "restricted", "external", "invite") else "free",
        category=sanitize_text(doc["category"])[:64] if isinstance(doc.get("category"), str) else "",
        status=str(doc.get("ical:status") or "CONFIRMED").upper()[:16],
        raw=doc,
    )


@dataclass(frozen=True)
class JoinDoc:
    """A Join of an event (or a group): who, what, and the note for the organisers."""

    ap_id: str
    actor_ap_id: str
    object_ap_id: str
    message: str


def parse_join(doc: JSONDict) -> JoinDoc:
    """A `Join` as Mobilizon sends it, alone or embedded in its Accept/Reject."""
    if not isinstance(doc, dict) or ActivityType.JOIN.value not in as_list(doc.get("type")):
        raise InvalidActivity("the object is not a Join")
    ap_id, actor, target = doc.get("id"), _first_id(doc.get("actor")), id_of(doc.get("object"))
    if not is_http_url(ap_id):
        raise InvalidActivity("Join id is missing or not an http(s) URL")
    if actor is None or not is_http_url(actor):
        raise InvalidActivity("Join actor is missing")
    if target is None or not is_http_url(target):
        raise InvalidActivity("Join object is missing")
    message = doc.get("participationMessage")
    return JoinDoc(ap_id, actor, target, sanitize_text(message)[:2000] if isinstance(message, str) else "")


def join_reference(value: Any) -> tuple[str | None, JoinDoc | None]:
    """What an Accept/Reject answers: the Join's id, and the Join itself when embedded."""
    if isinstance(value, dict) and ActivityType.JOIN.value in as_list(value.get("type")):
        join = parse_join(value)
        return join.ap_id, join
    return id_of(value), None


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _where(value: Any) -> tuple[str, str, str]:
    """(place name, address, online link) from a Place, a VirtualLocation, or a list mixing them (FEP-8a8e)."""
    name = address = online = ""
    for entry in as_list(value):
        if isinstance(entry, str):
            name = name or sanitize_text(entry)
            continue
        if not isinstance(entry, dict):
            continue
        types = as_list(entry.get("type"))
        link = entry.get("url") if is_http_url(entry.get("url")) else entry.get("href")
        if any(kind in _VIRTUAL_TYPES for kind in types):
            online = online or (link if is_http_url(link) else "")
            continue
        name = name or (sanitize_text(entry["name"]) if isinstance(entry.get("name"), str) else "")
        address = address or _address(entry.get("address"))
    return name, address, online


def _address(value: Any) -> str:
    if isinstance(value, str):
        return sanitize_text(value)
    if not isinstance(value, dict):
        return ""
    parts = [value.get(key) for key in ("streetAddress", "postalCode", "addressLocality", "addressCountry")]
    return ", ".join(sanitize_text(part).strip() for part in parts if isinstance(part, str) and part.strip())


def _online_link(value: Any) -> str:
    """Mobilizon carries an online meeting's address as a `Link` attachment."""
    for entry in as_list(value):
        if isinstance(entry, dict) and "Link" in as_list(entry.get("type")) and is_http_url(entry.get("href")):
            return entry["href"]
    return ""


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 1_000_000 else None


def _total(value: Any) -> int | None:
    return _count(value.get("totalItems")) if isinstance(value, dict) else None


def _first_id(value: Any) -> str | None:
    for entry in as_list(value):
        if (found := id_of(entry)) is not None:
            return found
    return None
