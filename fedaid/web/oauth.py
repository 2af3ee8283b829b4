"""The OAuth consent page: a signed-in member lets a client app act for them (`/oauth/authorize`).

The checks and the code come from `fedaid.domain.oauth`; this page only asks and answers.
"""

from __future__ import annotations

from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web

from fedaid.domain.oauth import AuthorizationRequest, authorization_redirect, check_authorization_request, grant_code
from fedaid.i18n import gettext, lazy
from fedaid.web.forms import Form
from fedaid.web.sessions import require_viewer

PARAMS = ("client_id", "redirect_uri", "scope", "response_type", "code_challenge", "code_challenge_method", "state")
SCOPE_LABELS = {
    "read": lazy("read your posts, notifications, agreements and follows"),
    "write": lazy("post, respond and change things on your behalf"),
    "follow": lazy("follow and unfollow people and collectives"),
    "push": lazy("send you push notifications"),
    "profile": lazy("know who you are (your name and profile)"),
}


async def _checked(params) -> AuthorizationRequest:
    return await check_authorization_request(
        params.get("client_id"),
        params.get("redirect_uri"),
        params.get("scope"),
        params.get("response_type"),
        params.get("code_challenge"),
        params.get("code_challenge_method"),
        state=params.get("state", ""),
    )


async def show_authorize(request: web.Request) -> web.Response:
    await require_viewer(request)
    checked = await _checked(request.query)
    hidden = {name: request.query[name] for name in PARAMS if name in request.query}
    return aiohttp_jinja2.render_template(
        "oauth/authorize.html",
        request,
        {
            "app": checked.app,
            "scopes": _describe(checked.scopes),
            "hidden": hidden,
            "redirect_host": checked.redirect_uri,
        },
    )


async def answer_authorize(request: web.Request) -> web.Response:
    viewer = await require_viewer(request)
    form = await Form.read(request)
    checked = await _checked(form.values)
    if form.get("decision") != "approve":
        if checked.redirect_uri == "urn:ietf:wg:oauth:2.0:oob":
            raise web.HTTPSeeOther("/")
        params = {"error": "access_denied", **({"state": checked.state} if checked.state else {})}
        separator = "&" if "?" in checked.redirect_uri else "?"
        raise web.HTTPSeeOther(f"{checked.redirect_uri}{separator}{urlencode(params)}")
    code = await grant_code(checked, viewer.account)
    target = authorization_redirect(checked, code)
    if target is None:
        return aiohttp_jinja2.render_template("oauth/code.html", request, {"app": checked.app, "code": code})
    raise web.HTTPSeeOther(target)


def _describe(scopes: tuple[str, ...]) -> list[tuple[str, str]]:
    """(scope, what it lets the app do) pairs; sub-scopes like read:statuses get their family's words."""
    return [(scope, gettext(SCOPE_LABELS.get(scope.split(":", 1)[0], scope))) for scope in scopes]
