"""The admins' pages: members, federation (alliances and domain policies), reports, delivery health,
and the collective's settings."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from fedaid.appkeys import REMOTE_ACTORS, SETTINGS
from fedaid.domain import alliances, audit, moderation, paragraphs, policy, theme
from fedaid.domain.accounts import get_account, list_accounts, set_account_role, set_account_state
from fedaid.domain.actors import find_remote_group
from fedaid.domain.instance import find_collective_page, get_collective, save_collective_page, update_collective
from fedaid.domain.members import create_invite
from fedaid.domain.registration import REGISTRATION_MODES, decide_application, registration_mode, set_registration_mode
from fedaid.errors import FedaidError, InvalidInput
from fedaid.models import Account, AccountRole, AccountState, Actor, PolicyKind
from fedaid.path_ids import path_id
from fedaid.web import suspensions, uploads
from fedaid.web.forms import Form
from fedaid.web.sessions import require_admin, require_moderator

STATE_ACTIONS = {
    "reinstate": AccountState.APPROVED,
    "suspend": AccountState.SUSPENDED,
}
DECISIONS = {"approve": True, "refuse": False}  # for applicants waiting for approval: they are told by mail


async def admin_home(request: web.Request) -> web.Response:
    viewer = await require_moderator(request)
    raise web.HTTPSeeOther("/admin/members" if viewer.is_admin else "/admin/reports")


# ---------------------------------------------------------------- members


async def show_members(request: web.Request, *, invite_link: str = "", status: int = 200) -> web.Response:
    await require_admin(request)
    accounts = await list_accounts()
    context = {
        "pending": [a for a in accounts if a.state == AccountState.PENDING],
        "accounts": [a for a in accounts if a.state != AccountState.PENDING],
        "invite_link": invite_link,
        "roles": [role.value for role in AccountRole],
    }
    return aiohttp_jinja2.render_template("admin/members.html", request, context, status=status)


async def member_action(request: web.Request) -> web.Response:
    viewer = await require_admin(request)
    account = await get_account(path_id(request, Account))
    form = await Form.read(request)
    action = request.match_info["action"]
    if action in DECISIONS:
        is_mail_enabled = request.app[SETTINGS].is_mail_enabled
        await decide_application(account, approve=DECISIONS[action], is_mail_enabled=is_mail_enabled)
    elif action in STATE_ACTIONS:
        await set_account_state(account, STATE_ACTIONS[action], by=viewer.account)
    elif action == "role":
        role = form.choice("role", [role.value for role in AccountRole])
        if not form.is_valid:
            raise InvalidInput("Choose one of the options.")
        await set_account_role(account, AccountRole(role), by=viewer.account)
    else:
        raise web.HTTPNotFound()
    raise web.HTTPSeeOther("/admin/members")


async def create_invite_post(request: web.Request) -> web.Response:
    viewer = await require_admin(request)
    form = await Form.read(request)
    role = form.choice("role", [role.value for role in AccountRole])
    if not form.is_valid:
        raise InvalidInput("Choose one of the options.")
    token = await create_invite(AccountRole(role), created_by=viewer.account)
    link = f"{request.app[SETTINGS].base_url}/signup?invite={token}"
    return await show_members(request, invite_link=link)


# ---------------------------------------------------------------- federation


async def show_federation(
    request: web.Request, *, alliance_form: Form | None = None, policy_form: Form | None = None, status: int = 200
) -> web.Response:
    await require_admin(request)
    collective = await _collective(request)
    context = {
        "alliances": await alliances.list_alliances(collective),
        "policies": await policy.list_domain_policies(),
        "alliance_form": alliance_form or Form(),
        "policy_form": policy_form or Form(),
        "federation_mode": request.app[SETTINGS].federation_mode,
        "policy_kinds": [kind.value for kind in PolicyKind],
    }
    return aiohttp_jinja2.render_template("admin/federation.html", request, context, status=status)


async def request_alliance_post(request: web.Request) -> web.Response:
    await require_admin(request)
    form = await Form.read(request)
    acct = form.text("acct", required=True, max_length=300).lstrip("@")
    if acct and acct.count("@") != 1:
        form.fail("acct", "Write the collective's address like name@example.org.")
    if form.is_valid:
        try:
            group = await request.app[REMOTE_ACTORS].resolve_acct(acct)
            await alliances.request_alliance(await _collective(request), group)
        except FedaidError as err:
            form.fail("acct", str(err))
        else:
            raise web.HTTPSeeOther("/admin/federation?saved=alliance")
    return await show_federation(request, alliance_form=form, status=400)


async def alliance_action(request: web.Request) -> web.Response:
    await require_admin(request)
    collective = await _collective(request)
    group = await find_remote_group(path_id(request, Actor))
    if group is None:
        raise web.HTTPNotFound()
    action = request.match_info["action"]
    if action == "approve":
        await alliances.approve_alliance(collective, group)
    elif action == "reject":
        await alliances.reject_alliance(collective, group)
    elif action == "end":
        await alliances.end_alliance(collective, group)
    else:
        raise web.HTTPNotFound()
    raise web.HTTPSeeOther("/admin/federation")


async def set_policy_post(request: web.Request) -> web.Response:
    """Allow or silence a domain at once; a block first shows what it will do (`web/suspensions.py`)."""
    viewer = await require_admin(request)
    form = await Form.read(request)
    domain = form.text("domain", required=True, max_length=255).lower()
    kind = form.choice("kind", [kind.value for kind in PolicyKind])
    reason = form.text("reason", max_length=500)
    if domain and ("." not in domain and ":" not in domain or " " in domain or "/" in domain):
        form.fail("domain", "Write a domain like example.org.")
    if form.is_valid and kind == PolicyKind.BLOCK:
        try:
            return await suspensions.show_confirmation(request, policy.normalise_domain(domain), reason)
        except InvalidInput as err:
            form.fail("domain", str(err))
    elif form.is_valid:
        try:
            await policy.set_domain_policy(domain, PolicyKind(kind), reason=reason)
            await audit.record(f"domain.{kind}", policy.normalise_domain(domain), by=viewer.actor, detail=reason)
        except InvalidInput as err:
            form.fail("domain", str(err))
        else:
            raise web.HTTPSeeOther("/admin/federation?saved=policy#policies")
    return await show_federation(request, policy_form=form, status=400)


async def clear_policy_post(request: web.Request) -> web.Response:
    viewer = await require_admin(request)
    form = await Form.read(request)
    if await policy.clear_domain_policy(form.get("domain")):
        await audit.record("domain.clear", form.get("domain"), by=viewer.actor)
    raise web.HTTPSeeOther("/admin/federation#policies")


# ---------------------------------------------------------------- delivery health (reports: web/reports.py)


async def show_deliveries(request: web.Request) -> web.Response:
    await require_admin(request)
    return aiohttp_jinja2.render_template(
        "admin/deliveries.html",
        request,
        {"health": await moderation.delivery_health(), "is_mail_enabled": request.app[SETTINGS].is_mail_enabled},
    )


# ---------------------------------------------------------------- the collective


async def show_collective_settings(
    request: web.Request, *, form: Form | None = None, status: int = 200
) -> web.Response:
    await require_admin(request)
    settings = request.app[SETTINGS]
    if form is None:
        collective = await _collective(request)
        page = await find_collective_page(collective)
        look = await theme.theme_of(collective)
        form = Form.of(
            accent_color=look.accent,
            link_color=look.link,
            name=collective.name,
            summary=paragraphs.to_text(collective.summary),
            rules=page.rules if page else "",
            contact=page.contact if page else "",
            registration_mode=await registration_mode(settings.collective_slug, settings.registration_mode),
        )
    context = {"form": form, "saved": request.query.get("saved", ""), "configured_mode": settings.registration_mode}
    return aiohttp_jinja2.render_template("admin/collective.html", request, context, status=status)


async def save_collective_settings(request: web.Request) -> web.Response:
    await require_admin(request)
    form = await Form.read(request)
    name = form.text("name", required=True, max_length=100)
    summary = form.text("summary", max_length=2000)
    rules = form.text("rules", max_length=10000)
    contact = form.text("contact", max_length=1000)
    mode = form.choice("registration_mode", REGISTRATION_MODES, required=False)
    if not form.is_valid:
        return await show_collective_settings(request, form=form, status=400)
    collective = await update_collective(
        request.app[SETTINGS].collective_slug, name=name, summary=paragraphs.to_html(summary)
    )
    await save_collective_page(collective, rules=rules, contact=contact)
    if mode:
        await set_registration_mode(collective, mode)
    raise web.HTTPSeeOther("/admin/collective?saved=1")


async def save_theme_post(request: web.Request) -> web.Response:
    """The collective's colours and logo: each colour checked where it is typed, the logo processed as any picture;
    nothing changes unless all of it is right."""
    viewer = await require_admin(request)
    form = await Form.read(request)
    for name, on in (("accent_color", None), ("link_color", theme.PAPER)):
        try:
            theme.checked_colour(form.get(name), on=on)
        except InvalidInput as err:
            form.fail(name, str(err))
    logo = await uploads.picture_from(request, form, viewer.actor, "logo") if form.is_valid else None
    if not form.is_valid:
        return await show_collective_settings(request, form=form, status=400)
    collective = await _collective(request)
    await theme.set_colours(collective, accent=form.get("accent_color"), link=form.get("link_color"), by=viewer.actor)
    if logo is not None or form.checkbox("remove_logo"):
        await theme.set_logo(collective, logo, by=viewer.actor)
    raise web.HTTPSeeOther("/admin/collective?saved=1")


async def _collective(request: web.Request) -> Actor:
    return await get_collective(request.app[SETTINGS].collective_slug)
