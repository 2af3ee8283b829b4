"""Coaching sessions on the wire: `Event` as Mobilizon and Gancio publish it, and the RSVP flow around it.

`Join` → `Accept` | `Reject` (the Join embedded, as Mobilizon's accept fixture shows), `Leave` to cancel,
`Update(Event)` for a move, `Delete` for a cancellation, and `Arrive` for a confirmed attendance.
Pure and synchronous: loaded rows in, dicts out. Reading others' Events and Joins is `parse/events.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime, format_time

from fedaid.activitypub.attachments import render_attachments, render_banner
from fedaid.activitypub.notes import origin_of
from fedaid.activitypub.vocab import AS_CONTEXT, PUBLIC, SECURITY_CONTEXT, ActivityType, ObjectType
from fedaid.models import Actor, CoachingSession, MediaAttachment, Participation

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


# ---------------------------------------------------------------- rendering


def render_event(
    session: CoachingSession,
    organizer: Actor,
    *,
    participant_count: int,
    media: Sequence[MediaAttachment] = (),
    language: str = "fr",
) -> JSONDict:
    """The session as an Event that Mobilizon reads fully and Mastodon shows as its name, date and link; its
    pictures and documents (a flyer) are its `attachment`, as Mastodon's, the first picture also its `image`
    (the banner Mobilizon shows), and an online meeting's address a `Link` after them, as Mobilizon sends it."""
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
    attachments = render_attachments(list(media), base_url=origin_of(session.ap_id))
    if (banner := render_banner(attachments)) is not None:
        doc["image"] = banner
    if session.online_url:
        attachments.append({"type": "Link", "name": "Online", "href": session.online_url, "mediaType": "text/html"})
    if attachments:
        doc["attachment"] = attachments
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
