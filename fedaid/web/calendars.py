"""`.ics` feeds: a circle's sessions (public) and a member's (behind a secret link), made with `icalendar`.

Each session's UID is its Event id, so a moved session replaces its earlier version in calendar apps
(with a higher SEQUENCE) instead of appearing twice; a cancelled one stays with STATUS:CANCELLED. A session's
pictures and flyer are its ATTACHes, by address with their media type (RFC 5545 §3.8.1.1).
"""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING

import aiohttp_jinja2
from aiohttp import web

from fedaid.appkeys import SETTINGS
from fedaid.clock import utcnow
from fedaid.domain import calendars, circles, media
from fedaid.models import CoachingSession
from fedaid.web.sessions import require_viewer

if TYPE_CHECKING:
    from icalendar import Event


async def render_calendar(request: web.Request, name: str, sessions: list[CoachingSession]) -> web.Response:
    """The `.ics` of `sessions`, each with its files."""
    from icalendar import Calendar  # a few MiB: loaded by the first calendar asked for, not by every process

    files = await media.media_of_sessions(session.id for session in sessions)
    calendar = Calendar()
    calendar.add("prodid", "-//fedaid//coaching circles//FR")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for session in sessions:
        event = _event(session)
        for item in files.get(session.id, []):
            if (address := media.file_address(item, request.app[SETTINGS].base_url)) is not None:
                event.add("attach", address, parameters={"FMTTYPE": item.content_type})
        calendar.add_component(event)
    return web.Response(body=calendar.to_ical(), content_type="text/calendar", charset="utf-8")


def _event(session: CoachingSession) -> Event:
    from icalendar import Event

    event = Event()
    event.add("uid", session.ap_id)
    event.add("summary", session.title)
    event.add("dtstart", session.starts_at.astimezone(UTC))
    event.add("dtend", session.ends_at.astimezone(UTC))
    event.add("dtstamp", (session.updated_at or utcnow()).astimezone(UTC))
    event.add("sequence", session.sequence)
    event.add("status", "CANCELLED" if session.is_cancelled else "CONFIRMED")
    event.add("url", session.url or session.ap_id)
    where = ", ".join(part for part in (session.place_name, session.place_address) if part) or session.online_url
    if where:
        event.add("location", where)
    if session.online_url:
        event.add("description", session.online_url)
    return event


async def circle_calendar(request: web.Request) -> web.Response:
    circle = await circles.get_circle(request.match_info["slug"])
    return await render_calendar(request, circle.actor.name, await calendars.circle_sessions(circle))


async def member_calendar(request: web.Request) -> web.Response:
    member = await calendars.member_of_token(request.match_info["token"])
    return await render_calendar(request, member.name or member.username, await calendars.member_sessions(member))


async def show_calendar_settings(request: web.Request) -> web.Response:
    viewer = await require_viewer(request)
    context = {"has_link": await calendars.has_calendar_token(viewer.actor), "link": None}
    return aiohttp_jinja2.render_template("coaching/calendar.html", request, context)


async def renew_calendar_post(request: web.Request) -> web.Response:
    """A new secret link, shown once; the old one stops working."""
    viewer = await require_viewer(request)
    token = await calendars.renew_calendar_token(viewer.actor)
    link = f"{request.app[SETTINGS].base_url}/calendar/{token}.ics"
    context = {"has_link": True, "link": link}
    return aiohttp_jinja2.render_template("coaching/calendar.html", request, context)
