"""Coaching sessions on the wire: `Event` as Mobilizon and Gancio publish it, and the RSVP flow around it.

`Join` → `Accept` | `Reject` (the Join embedded, as Mobilizon's accept fixture shows), `Leave` to cancel,
`Update(Event)` for a move, `Delete` for a cancellation, and `Arrive` for a confirmed attendance.
Pure and synchronous: loaded rows in, dicts out; untrusted JSON in, frozen dataclasses out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime, format_time

from fedaid.activitypub.parse import as_list, id_of, is_http_url
from fedaid.activitypub.sanitize import sanitize_html, sanitize_text
from fedaid.activitypub.vocab import AS_CONTEXT, PUBLIC, SECURITY_CONTEXT, ActivityType, ObjectType
from fedaid.errors import InvalidActivity
from fedaid.models import Actor, CoachingSession, Participation

JSONDict = dict[str, Any]

# The terms Mobilizon defines for events (its @context, as in its Accept(Join) and Event payloads).
EVENT_CONTEXT: list[Any] = [
    AS_CONTEXT,
    SECURITY_CONTEXT,
    {
        "sc": "http://schema.org#",
        "mz": "https://joinmobilizon.org/ns#",
        "ical": "http://www.w3.org/2002/12/cal/ical#",
        "Hashtag": "as:Hashtag",
        "PostalAddress": "sc:PostalAddress",
        "address": {"@id": "sc:address", "@type": "sc:PostalAddress"},
        "streetAddress": "sc:streetAddress",
        "category": "sc:category",
        "location": {"@id": "sc:location", "@type": "sc:Place"},
        "maximumAttendeeCapacity": "sc:maximumAttendeeCapacity",
        "remainingAttendeeCapacity": "sc:remainingAttendeeCapacity",
        "participantCount": {"@id": "mz:participantCount", "@type": "sc:Integer"},
        "joinMode": {"@id": "mz:joinMode", "@type": "mz:joinModeType"},
        "joinModeType": {"@id": "mz:joinModeType", "@type": "rdfs:Class"},
        "timezone": {"@id": "mz:timezone", "@type": "sc:Text"},
        "isOnline": {"@id": "mz:isOnline", "@type": "sc:Boolean"},
        "participationMessage": {"@id": "mz:participationMessage", "@type": "sc:Text"},
        "inLanguage": "sc:inLanguage",
        "uuid": "sc:identifier",
    },
]
# Mobilizon's event categories; coaching for independent workers is filed under business.
MOBILIZON_CATEGORY = "BUSINESS"
_VIRTUAL_TYPES = ("VirtualLocation", "Link")


# ---------------------------------------------------------------- rendering


def render_event(
    session: CoachingSession, organizer: Actor, *, participant_count: int, language: str = "fr"
) -> JSONDict:
    """The session as an Event that Mobilizon reads fully and Mastodon shows as its name, date and link."""
    remaining = None if session.capacity is None else max(session.capacity - session.accepted_count, 0)
    doc: JSONDict = {
        "@context": EVENT_CONTEXT,
        "id": session.ap_id,
        "type": ObjectType.EVENT.value,
        "url": session.url or session.ap_id,
        "name": session.title,
        "attributedTo": organizer.ap_id,
        "actor": organizer.ap_id,
        "content": event_content(session, language=language),
        "mediaType": "text/html",
        "startTime": _iso(session.starts_at),
        "endTime": _iso(session.ends_at),
        "timezone": session.timezone,
        "joinMode": session.join_mode.value,
        "maximumAttendeeCapacity": session.capacity or 0,
        "remainingAttendeeCapacity": remaining,
        "participantCount": participant_count,
        "category": MOBILIZON_CATEGORY,
        "ical:status": session.status.value,
        "isOnline": bool(session.online_url) and not session.place_name,
        "inLanguage": language,
        "commentsEnabled": True,
        "published": _iso(session.created_at),
        "updated": _iso(session.updated_at),
        "to": [PUBLIC],
        "cc": [organizer.followers_url] if organizer.followers_url else [],
        "tag": [{"type": "Hashtag", "name": f"#{session.category}"}] if session.category else [],
    }
    if (location := _location(session)) is not None:
        doc["location"] = location
    if session.online_url:
        doc["attachment"] = [{"type": "Link", "name": "Online", "href": session.online_url, "mediaType": "text/html"}]
    return doc


def event_content(session: CoachingSession, *, language: str = "fr") -> str:
    """Date, time and place in words first (Mastodon shows `content` of converted types only in part)."""
    zone = _zone(session.timezone)
    starts, ends = session.starts_at.astimezone(zone), session.ends_at.astimezone(zone)
    when = format_datetime(starts, "EEEE d MMMM y, HH:mm", locale=language)
    until = format_time(ends, "HH:mm", locale=language)
    where = [part for part in (session.place_name, session.place_address) if part]
    online = "en ligne" if language == "fr" else "online"
    lines = [f"{when}–{until} ({session.timezone})"]
    if where:
        lines.append(" · ".join(where))
    if session.online_url:
        lines.append(f'{online} : <a href="{session.online_url}">{session.online_url}</a>')
    if session.is_cancelled:
        lines.insert(0, "ANNULÉ" if language == "fr" else "CANCELLED")
    body = f"<p>{'<br>'.join(_escape(line) if '<a ' not in line else line for line in lines)}</p>"
    return body + session.description


def render_create_event(event: JSONDict) -> JSONDict:
    return _wrap(ActivityType.CREATE, f"{event['id']}/activity", event)


def render_update_event(event: JSONDict, sequence: int) -> JSONDict:
    return _wrap(ActivityType.UPDATE, f"{event['id']}/updates/{sequence}", event)


def render_delete_event(session: CoachingSession, organizer: Actor) -> JSONDict:
    return {
        "@context": AS_CONTEXT,
        "id": f"{session.ap_id}/delete",
        "type": ActivityType.DELETE.value,
        "actor": organizer.ap_id,
        "object": {"id": session.ap_id, "type": ObjectType.TOMBSTONE.value, "formerType": ObjectType.EVENT.value},
        "to": [PUBLIC],
    }


def render_join(
    participation: Participation, participant: Actor, session: CoachingSession, organizer: Actor
) -> JSONDict:
    """A member's RSVP as Mobilizon sends it: the event's id as object, an optional message for organisers."""
    return {
        "@context": EVENT_CONTEXT,
        "id": participation.join_ap_id,
        "type": ActivityType.JOIN.value,
        "actor": participant.ap_id,
        "object": session.ap_id,
        "participationMessage": participation.message or None,
        "published": _iso(participation.created_at),
        "to": [organizer.ap_id],
    }


def render_join_answer(
    kind: ActivityType,
    answer_ap_id: str,
    participation: Participation,
    participant: Actor,
    session: CoachingSession,
    organizer: Actor,
) -> JSONDict:
    """Accept or Reject of a Join, the Join embedded (Mobilizon's accept_join_event shape)."""
    return {
        "@context": EVENT_CONTEXT,
        "id": answer_ap_id,
        "type": kind.value,
        "actor": organizer.ap_id,
        "object": {
            "id": participation.join_ap_id,
            "type": ActivityType.JOIN.value,
            "actor": participant.ap_id,
            "object": session.ap_id,
            "participationMessage": participation.message or None,
            "published": _iso(participation.created_at),
        },
        "to": [participant.ap_id],
    }


def render_leave(leave_ap_id: str, participant: Actor, session: CoachingSession, organizer: Actor) -> JSONDict:
    return {
        "@context": AS_CONTEXT,
        "id": leave_ap_id,
        "type": ActivityType.LEAVE.value,
        "actor": participant.ap_id,
        "object": session.ap_id,
        "to": [organizer.ap_id],
    }


def render_attendance(
    ap_id: str, confirmer: Actor, participant: Actor, session: CoachingSession, to: Actor, at: datetime
) -> JSONDict:
    """A confirmed attendance: the participant (or the circle, for its facilitators) says they were there."""
    return {
        "@context": AS_CONTEXT,
        "id": ap_id,
        "type": ActivityType.ARRIVE.value,
        "actor": confirmer.ap_id,
        "object": participant.ap_id,
        "location": session.ap_id,
        "published": _iso(at),
        "to": [to.ap_id],
    }


def _wrap(kind: ActivityType, ap_id: str, event: JSONDict) -> JSONDict:
    inner = {key: value for key, value in event.items() if key != "@context"}
    return {
        "@context": EVENT_CONTEXT,
        "id": ap_id,
        "type": kind.value,
        "actor": event["attributedTo"],
        "object": inner,
        "to": event["to"],
        "cc": event["cc"],
    }


def _location(session: CoachingSession) -> JSONDict | None:
    if session.place_name or session.place_address:
        place: JSONDict = {"type": ObjectType.PLACE.value, "name": session.place_name or session.place_address}
        if session.place_address:
            place["address"] = {"type": "PostalAddress", "streetAddress": session.place_address}
        return place
    if session.online_url:
        return {"type": "VirtualLocation", "name": "Online", "url": session.online_url}
    return None


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# ---------------------------------------------------------------- parsing


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
