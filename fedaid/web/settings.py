"""A member's own pages: settings (profile, language, alerts) and notifications."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from fedaid import i18n
from fedaid.domain import paragraphs
from fedaid.domain.accounts import set_locale, update_profile
from fedaid.domain.alerts import AlertCriteria, add_alert, list_alerts, remove_alert
from fedaid.domain.listings import category_choices
from fedaid.domain.notifications import list_notifications, mark_all_read, tell_notifications
from fedaid.errors import InvalidInput
from fedaid.models import AlertSubscription, ProposalPurpose
from fedaid.path_ids import path_id
from fedaid.web.forms import Form
from fedaid.web.sessions import Viewer, require_viewer


async def show_settings(request: web.Request) -> web.Response:
    viewer = await require_viewer(request)
    profile = Form.of(
        name=viewer.actor.name, summary=paragraphs.to_text(viewer.actor.summary), language=viewer.account.locale
    )
    return await _render(request, viewer, profile=profile, alert=Form())


async def save_profile(request: web.Request) -> web.Response:
    viewer = await require_viewer(request)
    form = await Form.read(request)
    name = form.text("name", required=True, max_length=100)
    summary = form.text("summary", max_length=2000)
    language = form.choice("language", i18n.LANGUAGES)
    if not form.is_valid:
        return await _render(request, viewer, profile=form, alert=Form(), status=400)
    await update_profile(viewer.actor, name=name, summary=summary)
    await set_locale(viewer.account, language)
    raise web.HTTPSeeOther("/settings?saved=profile")


async def add_alert_post(request: web.Request) -> web.Response:
    viewer = await require_viewer(request)
    form = await Form.read(request)
    purpose = form.choice("purpose", ("offer", "request"), required=False)
    category = form.choice("category", [slug for slug, _ in await category_choices("fr")], required=False)
    tag = (form.tags("tag", limit=1) or [""])[0]
    place_name = form.text("place_name", max_length=200)
    if form.is_valid:
        try:
            await add_alert(
                viewer.actor,
                AlertCriteria(
                    purpose=ProposalPurpose(purpose) if purpose else None,
                    category=category,
                    tag=tag,
                    place_name=place_name,
                ),
            )
        except InvalidInput as err:
            form.fail("category", str(err))
        else:
            raise web.HTTPSeeOther("/settings?saved=alert#alerts")
    profile = Form.of(
        name=viewer.actor.name, summary=paragraphs.to_text(viewer.actor.summary), language=viewer.account.locale
    )
    return await _render(request, viewer, profile=profile, alert=form, status=400)


async def remove_alert_post(request: web.Request) -> web.Response:
    viewer = await require_viewer(request)
    await remove_alert(viewer.actor, path_id(request, AlertSubscription))
    raise web.HTTPSeeOther("/settings#alerts")


async def _render(
    request: web.Request, viewer: Viewer, *, profile: Form, alert: Form, status: int = 200
) -> web.Response:
    categories = await category_choices(i18n.current_language.get())
    context = {
        "profile": profile,
        "alert": alert,
        "alerts": await list_alerts(viewer.actor),
        "categories": categories,
        "category_names": dict(categories),
        "saved": request.query.get("saved", ""),
    }
    return aiohttp_jinja2.render_template("settings/index.html", request, context, status=status)


async def show_notifications(request: web.Request) -> web.Response:
    viewer = await require_viewer(request)
    notifications = await list_notifications(viewer.actor)
    stories = {story.id: story for story in await tell_notifications([n.id for n in notifications])}
    context = {"notifications": notifications, "stories": stories}
    return aiohttp_jinja2.render_template("settings/notifications.html", request, context)


async def read_notifications(request: web.Request) -> web.Response:
    viewer = await require_viewer(request)
    await mark_all_read(viewer.actor)
    raise web.HTTPSeeOther("/notifications")
