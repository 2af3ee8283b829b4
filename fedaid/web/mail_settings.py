"""A member's mail choices on the settings page, and the unsubscribe link of every optional mail (no sign-in)."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from fedaid.appkeys import SETTINGS
from fedaid.domain.mail_choices import MailChoice, MailGroup, choices_of, set_choice, unsubscribe
from fedaid.models import Account
from fedaid.path_ids import path_id
from fedaid.web.forms import Form
from fedaid.web.sessions import require_viewer


async def show_mail_settings(request: web.Request) -> web.Response:
    viewer = await require_viewer(request)
    context = {
        "choices": choices_of(viewer.account),
        "groups": list(MailGroup),
        "options": list(MailChoice),
        "is_mail_enabled": request.app[SETTINGS].is_mail_enabled,
        "saved": request.query.get("saved", ""),
    }
    return aiohttp_jinja2.render_template("settings/mail.html", request, context)


async def save_mail_settings(request: web.Request) -> web.Response:
    viewer = await require_viewer(request)
    form = await Form.read(request)
    options = tuple(choice.value for choice in MailChoice)
    picked = {group: form.choice(group.value, options) for group in MailGroup}
    if form.is_valid:
        for group, choice in picked.items():
            await set_choice(viewer.account, group.value, choice)
    raise web.HTTPSeeOther("/settings/mail?saved=1")


async def show_unsubscribe(request: web.Request) -> web.Response:
    """The page an unsubscribe link opens: one button, since a GET (a link checker's too) changes nothing."""
    return aiohttp_jinja2.render_template("settings/unsubscribe.html", request, {"done": False})


async def unsubscribe_post(request: web.Request) -> web.Response:
    """The button, or a mail client's one-click POST (RFC 8058): the link's token is the proof, so no session."""
    info = request.match_info
    account_id = path_id(request, Account, "account")
    await unsubscribe(request.app[SETTINGS].secret_key, account_id, info["groups"], info["token"])
    raise web.HTTPSeeOther("/unsubscribed")


async def show_unsubscribed(request: web.Request) -> web.Response:
    return aiohttp_jinja2.render_template("settings/unsubscribe.html", request, {"done": True})
