"""A forgotten password: ask for a link by mail, then choose a new password through it.

The answer to "send me a link" is the same page whatever the address, so nobody learns who has an account.
A link's page is sent with `Referrer-Policy: no-referrer`, so its token leaves with no link followed from it.
"""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from fedaid.appkeys import SETTINGS
from fedaid.client_address import client_address
from fedaid.domain.members import EMAIL_PATTERN
from fedaid.domain.password_resets import check_reset_link, request_password_reset, reset_password
from fedaid.domain.passwords import MIN_PASSWORD_LENGTH
from fedaid.errors import InvalidInput
from fedaid.web.forms import Form
from fedaid.web.sessions import sign_out

NO_REFERRER = {"Referrer-Policy": "no-referrer"}


async def show_reset_request(request: web.Request) -> web.Response:
    return _render_request(request, Form())


async def reset_request_post(request: web.Request) -> web.Response:
    """Mail a link if the address has an account; the same answer either way."""
    form = await Form.read(request)
    email = form.text("email", required=True, max_length=320)
    if email and not EMAIL_PATTERN.match(email.lower()):
        form.fail("email", "Enter an email address like name@example.org.")
    if not form.is_valid:
        return _render_request(request, form, status=400)
    settings = request.app[SETTINGS]
    await request_password_reset(
        email, client=client_address(request), secret_key=settings.secret_key, is_mail_enabled=settings.is_mail_enabled
    )
    return _render_request(request, Form(), sent=True)


def _render_request(request: web.Request, form: Form, *, sent: bool = False, status: int = 200) -> web.Response:
    context = {"form": form, "sent": sent, "is_mail_enabled": request.app[SETTINGS].is_mail_enabled}
    return aiohttp_jinja2.render_template("auth/reset_request.html", request, context, status=status)


async def show_reset_form(request: web.Request) -> web.Response:
    """The new-password form of a live link; a used, expired or unknown link gets its error page (4xx)."""
    token = request.match_info["token"]
    account = await check_reset_link(token)
    return await _render_reset(request, token, account.actor.username, Form())


async def reset_post(request: web.Request) -> web.Response:
    token = request.match_info["token"]
    account = await check_reset_link(token)
    form = await Form.read(request)
    new = form.get("new_password")
    if len(new) < MIN_PASSWORD_LENGTH:
        form.fail("new_password", "A password needs at least %(count)s characters.", count=MIN_PASSWORD_LENGTH)
    elif new != form.get("confirm_password"):
        form.fail("confirm_password", "The two new passwords differ.")
    if form.is_valid:
        try:
            await reset_password(token, new)
        except InvalidInput as err:
            form.fail("new_password", str(err))
        else:
            await sign_out(request)
            raise web.HTTPSeeOther("/signin?done=reset", headers=NO_REFERRER)
    return await _render_reset(request, token, account.actor.username, form, status=400)


async def _render_reset(request: web.Request, token: str, username: str, form: Form, status: int = 200) -> web.Response:
    context = {"form": form, "token": token, "username": username}
    response = aiohttp_jinja2.render_template("auth/reset_password.html", request, context, status=status)
    response.headers.update(NO_REFERRER)
    return response
