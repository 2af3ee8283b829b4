"""A member's sign-in settings: change the password, see and end signed-in browsers, revoke authorised apps."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from fedaid.appkeys import SETTINGS
from fedaid.client_address import client_address
from fedaid.domain.accounts import change_password
from fedaid.domain.passwords import MIN_PASSWORD_LENGTH
from fedaid.domain.sign_ins import end_all_sessions, end_session_of, list_authorized_apps, list_sessions, revoke_app
from fedaid.errors import Forbidden, InvalidInput
from fedaid.models import OAuthApp, WebSession
from fedaid.path_ids import path_id
from fedaid.web.forms import Form
from fedaid.web.sessions import Viewer, require_viewer, sign_in, sign_out

PAGE = "/settings/security"


async def show_security(request: web.Request) -> web.Response:
    viewer = await require_viewer(request)
    return await _render(request, viewer, Form())


async def change_password_post(request: web.Request) -> web.Response:
    """Check the current password, set the new one, end every other session and app token."""
    viewer = await require_viewer(request)
    form = await Form.read(request)
    current, new = form.get("current_password"), form.get("new_password")
    if not current:
        form.fail("current_password", "Fill in this field.")
    if len(new) < MIN_PASSWORD_LENGTH:
        form.fail("new_password", "A password needs at least %(count)s characters.", count=MIN_PASSWORD_LENGTH)
    elif new != form.get("confirm_password"):
        form.fail("confirm_password", "The two new passwords differ.")
    if form.is_valid:
        try:
            await change_password(viewer.account, current, new, address=client_address(request))
        except Forbidden as err:
            form.fail("current_password", str(err))
        except InvalidInput as err:
            form.fail("new_password", str(err))
        else:
            await sign_in(request, viewer.account)  # every session ended, this one included: start afresh
            raise web.HTTPSeeOther(f"{PAGE}?saved=password")
    return await _render(request, viewer, form, status=400)


async def end_session_post(request: web.Request) -> web.Response:
    """End one signed-in browser; ending this one signs out."""
    viewer = await require_viewer(request)
    session_id = path_id(request, WebSession)
    await end_session_of(viewer.account, session_id)
    if session_id == viewer.session_id:
        await sign_out(request)
        raise web.HTTPSeeOther("/signin")
    raise web.HTTPSeeOther(f"{PAGE}?saved=session#sessions")


async def end_all_sessions_post(request: web.Request) -> web.Response:
    """Sign out everywhere: every browser, this one too."""
    viewer = await require_viewer(request)
    await end_all_sessions(viewer.account)
    await sign_out(request)
    raise web.HTTPSeeOther("/signin")


async def revoke_app_post(request: web.Request) -> web.Response:
    """Take an app's access away: its tokens stop working."""
    viewer = await require_viewer(request)
    await revoke_app(viewer.account, path_id(request, OAuthApp))
    raise web.HTTPSeeOther(f"{PAGE}?saved=app#apps")


def describe_browser(user_agent: str) -> str:
    """ "Firefox 128, Linux" from a User-Agent header (uap-core's rules); the header itself when unknown."""
    from ua_parser import parse as parse_user_agent  # its rules weigh MiBs: loaded when a page lists sessions

    parsed = parse_user_agent(user_agent)
    parts = [
        " ".join(filter(None, (parsed.user_agent.family, parsed.user_agent.major))) if parsed.user_agent else "",
        parsed.os.family if parsed.os else "",
        parsed.device.family if parsed.device and parsed.device.family != "Other" else "",
    ]
    described = ", ".join(part for part in parts if part and part != "Other")
    return described or user_agent[:80]


async def _render(request: web.Request, viewer: Viewer, password: Form, status: int = 200) -> web.Response:
    context = {
        "password": password,
        "sessions": [(row, describe_browser(row.user_agent)) for row in await list_sessions(viewer.account)],
        "current_session": viewer.session_id,
        "apps": await list_authorized_apps(viewer.account),
        "shows_addresses": request.app[SETTINGS].session_addresses != "none",
        "saved": request.query.get("saved", ""),
    }
    return aiohttp_jinja2.render_template("settings/security.html", request, context, status=status)
