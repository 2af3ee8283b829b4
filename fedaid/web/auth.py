"""Sign up (open, approval or invite), sign in, sign out, and the language switcher."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from fedaid import i18n
from fedaid.appkeys import SETTINGS
from fedaid.client_address import client_address
from fedaid.domain import limits
from fedaid.domain.accounts import authenticate, email_taken, rename, set_locale, username_taken
from fedaid.domain.actors import RESERVED_NAMES, USERNAME_PATTERN
from fedaid.domain.members import EMAIL_PATTERN, Member, add_member, find_invite, redeem_invite
from fedaid.domain.notifications import notify_admins_of_sign_up
from fedaid.domain.passwords import MIN_PASSWORD_LENGTH
from fedaid.domain.registration import MAX_REASON, checked_reason, confirm_email, registration_mode, send_confirmation
from fedaid.errors import Conflict, InvalidInput
from fedaid.models import AccountState
from fedaid.web.forms import Form
from fedaid.web.redirects import local_path
from fedaid.web.sessions import current_viewer, sign_in, sign_out
from fedaid.web.site import LANGUAGE_COOKIE

LANGUAGE_COOKIE_AGE = 365 * 24 * 3600


async def show_sign_in(request: web.Request) -> web.Response:
    form = Form.of(next=local_path(request.query.get("next")))
    context = {"form": form, "done": request.query.get("done", "")}
    return aiohttp_jinja2.render_template("auth/signin.html", request, context)


async def sign_in_post(request: web.Request) -> web.Response:
    form = await Form.read(request)
    login = form.text("login", required=True, max_length=320)
    password = form.get("password")
    if not password:
        form.fail("password", "Fill in this field.")
    if form.is_valid:
        account = await authenticate(login, password, address=client_address(request))
        if account is None:
            form.fail("password", "This name or email and this password do not match.")
        elif not account.email_confirmed:
            form.fail("login", "Confirm your address first: open the link we mailed you.")
        elif account.state == AccountState.PENDING:
            form.fail("login", "Your account is waiting for an admin's approval.")
        elif account.state == AccountState.SUSPENDED:
            form.fail("login", "This account is suspended.")
        else:
            await sign_in(request, account)
            raise web.HTTPSeeOther(local_path(form.get("next")))
    form.values.pop("password", None)
    return aiohttp_jinja2.render_template("auth/signin.html", request, {"form": form}, status=400)


async def sign_out_post(request: web.Request) -> web.Response:
    await sign_out(request)
    raise web.HTTPSeeOther("/")


async def show_sign_up(request: web.Request) -> web.Response:
    token = request.query.get("invite", "")
    context = await _sign_up_context(request, token)
    context["form"] = Form.of(invite=token)
    return aiohttp_jinja2.render_template("auth/signup.html", request, context)


async def _sign_up_context(request: web.Request, token: str) -> dict[str, object]:
    """How this visitor may sign up: `mode` is open, approval, invite, or closed (invite needed, none valid)."""
    settings = request.app[SETTINGS]
    mode = await registration_mode(settings.collective_slug, settings.registration_mode)
    invite = await find_invite(token) if token else None
    if token and invite is None:
        return {"mode": "closed", "invalid_invite": True}
    if invite is not None:
        return {"mode": "invite", "invite_role": invite.role.value}
    return {"mode": mode if mode != "invite" else "closed", "invalid_invite": False}


async def sign_up_post(request: web.Request) -> web.Response:
    form = await Form.read(request)
    token = form.get("invite")
    context = await _sign_up_context(request, token)
    if context["mode"] == "closed":
        return aiohttp_jinja2.render_template("auth/signup.html", request, {**context, "form": form}, status=403)
    username, email, password = await _check_sign_up(form, asks_reason=context["mode"] == "approval")
    if form.is_valid:
        await limits.take(limits.SIGN_UP, client_address(request))
        try:
            member = await _create_account(request, context["mode"], form, username, email, password)
        except (InvalidInput, Conflict) as err:
            field = "email" if "email" in str(err).lower() else "username"
            form.fail(field, str(err))
        else:
            return await _welcome(request, member)
    form.values.pop("password", None)
    return aiohttp_jinja2.render_template("auth/signup.html", request, {**context, "form": form}, status=400)


async def _welcome(request: web.Request, member: Member) -> web.Response:
    """Signed in at once, or told what comes next: a mail to confirm the address, an admin's decision."""
    settings = request.app[SETTINGS]
    if not member.account.email_confirmed:
        await send_confirmation(member.account, secret_key=settings.secret_key)
    elif member.account.state == AccountState.APPROVED:
        await sign_in(request, member.account)
        raise web.HTTPSeeOther(f"/u/{member.actor.username}")
    context = {"actor": member.actor, "confirm": not member.account.email_confirmed, "email": member.account.email}
    return aiohttp_jinja2.render_template("auth/pending.html", request, context)


async def _check_sign_up(form: Form, *, asks_reason: bool) -> tuple[str, str, str]:
    username = form.text("username", required=True, max_length=30).lower()
    if username and not USERNAME_PATTERN.match(username):
        form.fail("username", "A name uses 1 to 30 lowercase letters, digits or underscores.")
    elif username in RESERVED_NAMES:
        form.fail("username", "This name is reserved; choose another one.")
    elif username and await username_taken(username):
        form.fail("username", "This name is already taken; choose another one.")
    form.text("display_name", max_length=100)
    email = form.text("email", required=True, max_length=320).lower()
    if email and not EMAIL_PATTERN.match(email):
        form.fail("email", "Enter an email address like name@example.org.")
    elif email and await email_taken(email):
        form.fail("email", "This email address already has an account here.")
    password = form.get("password")
    if len(password) < MIN_PASSWORD_LENGTH:
        form.fail("password", "A password needs at least %(count)s characters.", count=MIN_PASSWORD_LENGTH)
    if asks_reason:
        form.text("reason", required=True, max_length=MAX_REASON)
    return username, email, password


async def _create_account(
    request: web.Request, mode: object, form: Form, username: str, email: str, password: str
) -> Member:
    settings = request.app[SETTINGS]
    language = i18n.current_language.get()
    confirmed = not settings.needs_email_confirmation
    if mode == "invite":
        member = await redeem_invite(
            settings.base_url,
            form.get("invite"),
            username,
            email=email,
            password=password,
            locale=language,
            email_confirmed=confirmed,
        )
        if form.get("display_name").strip():
            await rename(member.actor, form.get("display_name"))
        return member
    state = AccountState.APPROVED if mode == "open" else AccountState.PENDING
    member = await add_member(
        settings.base_url,
        username,
        email=email,
        password=password,
        state=state,
        locale=language,
        display_name=form.get("display_name").strip(),
        sign_up_reason=checked_reason(form.get("reason")) if state == AccountState.PENDING else "",
        email_confirmed=confirmed,
    )
    if state == AccountState.PENDING and confirmed:  # else the admins hear of it once the address is confirmed
        await notify_admins_of_sign_up(member.actor)
    return member


async def confirm_email_link(request: web.Request) -> web.Response:
    """The link of a confirmation mail: the address is confirmed once; a used or expired link says why (4xx)."""
    account = await confirm_email(request.match_info["token"])
    done = "confirmed-pending" if account.state == AccountState.PENDING else "confirmed"
    raise web.HTTPSeeOther(f"/signin?done={done}")


async def switch_language(request: web.Request) -> web.Response:
    """The switcher on every page: remembers the choice in a cookie, and in the member's settings."""
    form = await Form.read(request)
    language = form.get("lang")
    response = web.HTTPSeeOther(local_path(form.get("next")))
    if language in i18n.LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            language,
            max_age=LANGUAGE_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.app[SETTINGS].base_url.startswith("https://"),
        )
        viewer = await current_viewer(request)
        if viewer is not None:
            await set_locale(viewer.account, language)
    raise response
