"""Session pages: one session (ours or one published elsewhere) with its pictures and documents, RSVP, attendance
and the facilitators' tools.

Handlers parse the form, call one domain function and redirect back to the session page.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import aiohttp_jinja2
from aiohttp import web

from fedaid.clock import utcnow
from fedaid.domain import attendance, circles, follow_up, media, participation, sessions
from fedaid.errors import InvalidInput, NotFound
from fedaid.models import CoachingSession, Participation, ParticipationState
from fedaid.path_ids import path_id
from fedaid.web import uploads
from fedaid.web.forms import Form
from fedaid.web.sessions import current_viewer, require_viewer


def session_path(session: CoachingSession) -> str:
    """The page of a session: its own URL for ours, a page here for one published elsewhere."""
    return urlsplit(session.ap_id).path if session.is_local else f"/sessions/{session.id}"


async def show_session(request: web.Request) -> web.Response:
    session = await _session(request)
    viewer = await current_viewer(request)
    actor = viewer.actor if viewer else None
    circle = session.circle if session.circle_id else None  # loaded by sessions.get_session
    is_facilitator = circle is not None and await circles.is_facilitator(circle, actor)
    context = {
        "session": session,
        "circle": circle,
        "path": session_path(session),
        "media": await media.media_of(session),
        "form": Form(),
        "hours": sessions.session_hours(session),
        "count": await sessions.participant_count(session),
        "mine": await participation.find_participation(session, actor),
        "is_facilitator": is_facilitator,
        "accepted": await participation.participants(session, state=ParticipationState.ACCEPTED),
        "waiting": await participation.participants(session, state=ParticipationState.WAITING),
        "pending": await participation.participants(session, state=ParticipationState.PENDING),
        "thread": await follow_up.thread_of(session),
        "has_started": session.starts_at <= utcnow(),
    }
    return aiohttp_jinja2.render_template("coaching/session.html", request, context)


async def show_remote_session(request: web.Request) -> web.Response:
    return await show_session(request)


async def join_post(request: web.Request) -> web.Response:
    viewer = await require_viewer(request)
    session = await _session(request)
    form = await Form.read(request)
    message = form.text("message", max_length=2000)
    if form.checkbox("whole_series"):
        await participation.join_series(session, viewer.actor)
    else:
        await participation.join_session(session, viewer.actor, message=message)
    raise web.HTTPSeeOther(session_path(session))


async def leave_post(request: web.Request) -> web.Response:
    viewer = await require_viewer(request)
    session = await _session(request)
    await participation.leave_session(session, viewer.actor)
    raise web.HTTPSeeOther(session_path(session))


async def attended_post(request: web.Request) -> web.Response:
    """A participant confirms they attended."""
    viewer = await require_viewer(request)
    session = await _session(request)
    await attendance.confirm_own_attendance(session, viewer.actor)
    raise web.HTTPSeeOther(session_path(session))


async def confirm_participant_post(request: web.Request) -> web.Response:
    """A facilitator confirms one participant attended."""
    viewer = await require_viewer(request)
    session = await _session(request)
    row = await participation.get_participation(session, path_id(request, Participation, "participation_id"))
    await attendance.confirm_attendance_of(session, row.actor, by=viewer.actor)
    raise web.HTTPSeeOther(session_path(session) + "#participants")


async def answer_post(request: web.Request) -> web.Response:
    """A facilitator accepts or refuses a join of a session whose join mode is restricted."""
    viewer = await require_viewer(request)
    session = await _session(request)
    row = await participation.get_participation(session, path_id(request, Participation, "participation_id"))
    await participation.answer_request(row, viewer.actor, accept=request.match_info["action"] == "accept")
    raise web.HTTPSeeOther(session_path(session) + "#participants")


async def move_post(request: web.Request) -> web.Response:
    viewer = await require_viewer(request)
    session = await _session(request)
    form = await Form.read(request)
    starts_at = local_datetime(form.get("starts_at"), session.timezone)
    length = timedelta(minutes=_minutes(form.get("minutes")))
    await sessions.move_session(session, viewer.actor, starts_at=starts_at, ends_at=starts_at + length)
    raise web.HTTPSeeOther(session_path(session))


async def capacity_post(request: web.Request) -> web.Response:
    viewer = await require_viewer(request)
    session = await _session(request)
    form = await Form.read(request)
    seats = form.number("capacity", minimum=1, maximum=sessions.MAX_CAPACITY)
    if not form.is_valid:
        raise InvalidInput(next(iter(form.errors.values())))
    await sessions.change_capacity(session, viewer.actor, int(seats) if seats is not None else None)
    raise web.HTTPSeeOther(session_path(session))


async def media_post(request: web.Request) -> web.Response:
    """A facilitator changes the session's pictures and documents: those not taken off, then the files sent."""
    viewer = await require_viewer(request)
    session = await _session(request)
    await sessions.require_facilitator_of(session, viewer.actor)  # before any file is kept
    form = await Form.read(request)
    chosen = await uploads.edited_attachments(request, form, viewer.actor, await media.media_of(session))
    if not form.is_valid:
        raise InvalidInput(next(iter(form.errors.values())))
    await sessions.change_media(session, viewer.actor, chosen)
    raise web.HTTPSeeOther(session_path(session))


async def cancel_post(request: web.Request) -> web.Response:
    viewer = await require_viewer(request)
    session = await _session(request)
    await sessions.cancel_session(session, viewer.actor)
    raise web.HTTPSeeOther(session_path(session))


async def follow_up_post(request: web.Request) -> web.Response:
    """A note, an action item or a check-in, as a reply to the Event."""
    viewer = await require_viewer(request)
    session = await _session(request)
    form = await Form.read(request)
    kind = form.choice("kind", follow_up.KINDS)
    text = form.text("text", required=True, max_length=5000)
    if not form.is_valid:
        raise InvalidInput(next(iter(form.errors.values())))
    await follow_up.post_follow_up(session, viewer.actor, kind, text)
    raise web.HTTPSeeOther(session_path(session) + "#thread")


def local_datetime(value: str, timezone: str) -> datetime:
    """A `datetime-local` form value read in the circle's time zone."""
    try:
        naive = datetime.fromisoformat(value.strip())
    except ValueError as err:
        raise InvalidInput("Give a date and a time, e.g. 2027-01-12T18:00.") from err
    return naive.replace(tzinfo=ZoneInfo(timezone)) if naive.tzinfo is None else naive


def _minutes(value: str) -> int:
    if not value.strip().isdigit() or not 15 <= int(value) <= 720:
        raise InvalidInput("A session lasts from 15 to 720 minutes.")
    return int(value)


async def _session(request: web.Request) -> CoachingSession:
    session = await sessions.get_session(path_id(request, CoachingSession, "session_id"))
    name = request.match_info.get("name")
    if name is not None and (not session.is_local or session.circle.actor.username != name):
        raise NotFound("There is no such session here.")
    return session
