"""Circle pages: the list of circles and sessions published elsewhere, one circle with its sessions,
joining and leaving, the facilitators' answers and scheduling (with up to four pictures or documents, a flyer),
and the admins' page to create circles.
"""

from __future__ import annotations

from datetime import timedelta

import aiohttp_jinja2
from aiohttp import web

from fedaid.appkeys import SETTINGS
from fedaid.domain import circles, follows, sessions
from fedaid.domain.categories import list_categories
from fedaid.domain.members import get_member
from fedaid.errors import InvalidInput
from fedaid.models import CategoryFamily, Follow, Frequency, JoinMode
from fedaid.path_ids import path_id
from fedaid.web import uploads
from fedaid.web.coaching import local_datetime
from fedaid.web.forms import Form
from fedaid.web.sessions import current_viewer, require_admin, require_viewer


async def show_circles(request: web.Request) -> web.Response:
    context = {"circles": await circles.list_circles(), "elsewhere": await sessions.remote_sessions()}
    return aiohttp_jinja2.render_template("circles/list.html", request, context)


async def show_circle(request: web.Request) -> web.Response:
    circle = await circles.get_circle(request.match_info["slug"])
    viewer = await current_viewer(request)
    actor = viewer.actor if viewer else None
    is_facilitator = await circles.is_facilitator(circle, actor)
    context = {
        "circle": circle,
        "facilitators": await circles.facilitators_of(circle),
        "members": await circles.members_of(circle),
        "sessions": await sessions.upcoming_sessions(circle),
        "is_member": await circles.is_member(circle, actor),
        "is_facilitator": is_facilitator,
        "requests": await circles.pending_requests(circle) if is_facilitator else [],
        "frequencies": list(Frequency),
        "form": Form(),
    }
    return aiohttp_jinja2.render_template("circles/show.html", request, context)


async def join_circle_post(request: web.Request) -> web.Response:
    """A member here joins (a closed circle: asks to join)."""
    viewer = await require_viewer(request)
    circle = await circles.get_circle(request.match_info["slug"])
    await circles.join_circle(circle, viewer.actor)
    raise web.HTTPSeeOther(f"/circles/{circle.actor.username}")


async def leave_circle_post(request: web.Request) -> web.Response:
    viewer = await require_viewer(request)
    circle = await circles.get_circle(request.match_info["slug"])
    await follows.unfollow(viewer.actor, circle.actor)
    raise web.HTTPSeeOther(f"/circles/{circle.actor.username}")


async def answer_request_post(request: web.Request) -> web.Response:
    """A facilitator lets someone into a closed circle, or refuses."""
    viewer = await require_viewer(request)
    circle = await circles.get_circle(request.match_info["slug"])
    await circles.require_facilitator(circle, viewer.actor)
    row = await circles.get_request(circle, path_id(request, Follow))
    if request.match_info["action"] == "approve":
        await follows.approve_follow(row)
    else:
        await follows.reject_follow(row)
    raise web.HTTPSeeOther(f"/circles/{circle.actor.username}#requests")


async def schedule_post(request: web.Request) -> web.Response:
    """A facilitator schedules one session, or a weekly, fortnightly or monthly series."""
    viewer = await require_viewer(request)
    circle = await circles.get_circle(request.match_info["slug"])
    form = await Form.read(request)
    starts_at = local_datetime(form.get("starts_at"), circle.timezone)
    minutes = form.number("minutes", minimum=15, maximum=720)
    seats = form.number("capacity", minimum=1, maximum=sessions.MAX_CAPACITY)
    frequency = form.choice("frequency", [*Frequency, ""], required=False)
    if not form.is_valid or minutes is None:
        raise InvalidInput(next(iter(form.errors.values()), "Check the form."))
    await circles.require_facilitator(circle, viewer.actor)
    attached = await uploads.attachments_from(request, form, viewer.actor)
    if not form.is_valid:
        raise InvalidInput(next(iter(form.errors.values())))
    terms = sessions.SessionTerms(
        title=form.text("title", required=True),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        description=form.text("description", max_length=5000),
        category=circle.topics[0] if circle.topics else "",
        place_name=form.text("place_name"),
        place_address=form.text("place_address", max_length=400),
        online_url=form.text("online_url", max_length=512),
        capacity=int(seats) if seats is not None else None,
        join_mode=JoinMode.RESTRICTED if form.checkbox("restricted") else JoinMode.FREE,
    )
    if frequency:
        until = local_datetime(form.get("until"), circle.timezone)
        await sessions.schedule_series(
            circle, viewer.actor, terms, frequency=Frequency(frequency), until=until, media=attached
        )
    else:
        await sessions.schedule_session(circle, viewer.actor, terms, media=attached)
    raise web.HTTPSeeOther(f"/circles/{circle.actor.username}#sessions")


async def admin_circles(request: web.Request) -> web.Response:
    await require_admin(request)
    topics = [c for c in await list_categories() if c.family == CategoryFamily.COACHING]
    context = {"circles": await circles.list_circles(), "topics": topics}
    return aiohttp_jinja2.render_template("circles/admin.html", request, context)


async def admin_create_circle_post(request: web.Request) -> web.Response:
    await require_admin(request)
    form = await Form.read(request)
    facilitator = (await get_member(form.get("facilitator").strip().lstrip("@"))).actor
    topics = tuple(key[len("topic_") :] for key in form.values if key.startswith("topic_"))
    terms = circles.CircleTerms(
        slug=form.get("slug").strip(),
        name=form.get("name"),
        summary=form.get("summary"),
        timezone=form.get("timezone").strip() or "Europe/Paris",
        topics=topics,
        is_open=not form.checkbox("closed"),
        facilitators=(facilitator,),
    )
    circle = await circles.create_circle(request.app[SETTINGS].base_url, terms)
    raise web.HTTPSeeOther(f"/circles/{circle.actor.username}")
