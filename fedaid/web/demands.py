"""Demand pages (revendications): the list, one demand with its pictures, supporters, co-signers and history, the
forms to draft (with up to four pictures or documents), publish, move along, support and co-sign, and the letter
and CSV organisers hand to the target."""

from __future__ import annotations

from datetime import UTC, datetime

import aiohttp_jinja2
from aiohttp import web

from fedaid import i18n
from fedaid.appkeys import SETTINGS
from fedaid.clock import utcnow
from fedaid.domain import demand_views, demands
from fedaid.domain.instance import get_collective
from fedaid.errors import Conflict, Forbidden, InvalidInput
from fedaid.models import DemandStatus, MediaAttachment
from fedaid.web import canonical, uploads
from fedaid.web.forms import Form
from fedaid.web.sessions import Viewer, current_viewer, require_viewer

STATUS_CHOICES = tuple(status.value for status in DemandStatus if status != DemandStatus.DRAFT)


def _actor(viewer: Viewer | None):
    return viewer.actor if viewer else None


async def list_demands(request: web.Request) -> web.Response:
    viewer = await current_viewer(request)
    rows = await demand_views.list_demands(_actor(viewer))
    return aiohttp_jinja2.render_template("demands/list.html", request, {"demands": rows})


async def show_demand(request: web.Request, *, form: Form | None = None, status: int = 200) -> web.Response:
    viewer = await current_viewer(request)
    demand = await demand_views.visible_demand(request.match_info["id"], _actor(viewer))
    context = {
        "view": await demand_views.view_of(demand, _actor(viewer)),
        "can_organise": viewer is not None and viewer.account.is_organiser,
        "can_cosign": viewer is not None and viewer.account.is_admin,
        "statuses": STATUS_CHOICES,
        "form": form or Form.of(named="on"),
    }
    return aiohttp_jinja2.render_template("demands/show.html", request, context, status=status)


async def show_demand_by_url(request: web.Request) -> web.Response:
    """People who open a demand's own URL (`/c/<slug>/demands/<id>`) land on its page."""
    raise web.HTTPSeeOther(f"/demands/{request.match_info['id']}")


# ---------------------------------------------------------------- drafting


async def new_demand_form(request: web.Request) -> web.Response:
    await require_viewer(request)
    return _editor(request, Form.of(language=i18n.current_language.get()), demand_id=None)


async def new_demand_post(request: web.Request) -> web.Response:
    viewer = await require_viewer(request)
    form = await Form.read(request)
    terms = read_terms(form)
    attached = await uploads.attachments_from(request, form, viewer.actor) if terms is not None else []
    if terms is not None and form.is_valid:
        try:
            demand = await demands.draft_demand(viewer.actor, terms, attachments=attached)
        except InvalidInput as err:
            form.fail("title", str(err))
        else:
            raise web.HTTPSeeOther(f"/demands/{demand.id}")
    return _editor(request, form, demand_id=None, status=400)


async def edit_demand_form(request: web.Request) -> web.Response:
    viewer = await require_viewer(request)
    demand = await demand_views.visible_demand(request.match_info["id"], viewer.actor)
    form = Form.of(
        title=demand.title,
        text=demand.text,
        target=demand.target,
        claims="\n".join(demand.claims),
        deadline=demand.deadline.astimezone(i18n.DISPLAY_TIMEZONE).date().isoformat() if demand.deadline else "",
        language=demand.language,
    )
    return _editor(request, form, demand_id=demand.id, current=await demand_views.media_of_demand(demand))


async def edit_demand_post(request: web.Request) -> web.Response:
    viewer = await require_viewer(request)
    demand = await demand_views.visible_demand(request.match_info["id"], viewer.actor)
    form = await Form.read(request)
    terms = read_terms(form)
    current = await demand_views.media_of_demand(demand)
    attached = await uploads.edited_attachments(request, form, viewer.actor, current) if terms is not None else []
    if terms is not None and form.is_valid:
        try:
            await demands.edit_demand(demand, by=viewer.actor, terms=terms, attachments=attached)
        except (InvalidInput, Conflict) as err:
            form.fail("title", str(err))
        else:
            raise web.HTTPSeeOther(f"/demands/{demand.id}")
    return _editor(request, form, demand_id=demand.id, current=current, status=400)


def read_terms(form: Form) -> demands.DemandTerms | None:
    """The demand typed in `form`; each problem is recorded beside its field."""
    title = form.text("title", required=True, max_length=demands.MAX_TITLE, min_length=3)
    target = form.text("target", required=True, max_length=demands.MAX_TARGET)
    text = form.text("text", max_length=demands.MAX_TEXT)
    claims = [line.strip(" -•\t") for line in form.get("claims").splitlines() if line.strip(" -•\t")]
    if not claims:
        form.fail("claims", "Write at least one claim, one per line.")
    elif len(claims) > demands.MAX_CLAIMS or any(len(claim) > demands.MAX_CLAIM for claim in claims):
        form.fail("claims", "At most %(count)s claims, each of at most 300 characters.", count=demands.MAX_CLAIMS)
    deadline = _read_deadline(form)
    language = form.choice("language", i18n.LANGUAGES)
    if not form.is_valid:
        return None
    return demands.DemandTerms(
        title=title, text=text, target=target, claims=claims, deadline=deadline, language=language
    )


def _read_deadline(form: Form) -> datetime | None:
    raw = form.get("deadline").strip()
    if not raw:
        form.fail("deadline", "Give the last day of support.")
        return None
    try:
        day = datetime.strptime(raw, "%Y-%m-%d").replace(hour=23, minute=59, tzinfo=i18n.DISPLAY_TIMEZONE)
    except ValueError:
        form.fail("deadline", "Write a date like 2026-05-31.")
        return None
    if day <= utcnow():
        form.fail("deadline", "Choose a date in the future.")
        return None
    return day.astimezone(UTC)


def _editor(
    request: web.Request,
    form: Form,
    *,
    demand_id: int | None,
    current: list[MediaAttachment] | None = None,
    status: int = 200,
) -> web.Response:
    context = {"form": form, "demand_id": demand_id, "current": current or [], "languages": i18n.LANGUAGE_NAMES}
    return aiohttp_jinja2.render_template("demands/edit.html", request, context, status=status)


# ---------------------------------------------------------------- organisers


async def publish_post(request: web.Request) -> web.Response:
    viewer = await require_viewer(request)
    demand = await demand_views.visible_demand(request.match_info["id"], viewer.actor)
    await demands.publish_demand(demand, by=viewer.actor)
    raise web.HTTPSeeOther(f"/demands/{demand.id}")


async def status_post(request: web.Request) -> web.Response:
    viewer = await require_viewer(request)
    demand = await demand_views.visible_demand(request.match_info["id"], viewer.actor)
    form = await Form.read(request)
    status = form.choice("status", STATUS_CHOICES)
    if not form.is_valid:
        raise InvalidInput("Choose one of the options.")
    await demands.change_status(demand, DemandStatus(status), by=viewer.actor)
    raise web.HTTPSeeOther(f"/demands/{demand.id}")


async def cosign_post(request: web.Request) -> web.Response:
    viewer = await require_viewer(request)
    demand = await demand_views.visible_demand(request.match_info["id"], viewer.actor)
    collective = await get_collective(request.app[SETTINGS].collective_slug)
    await demands.cosign(demand, collective, by=viewer.actor)
    raise web.HTTPSeeOther(f"/demands/{demand.id}#cosigners")


async def letter(request: web.Request) -> web.Response:
    """The printable letter: the demand, its claims, the co-signing collectives and the named supporters."""
    viewer = await _organiser(request)
    demand = await demand_views.visible_demand(request.match_info["id"], viewer.actor)
    view = await demand_views.view_of(demand, viewer.actor)
    return aiohttp_jinja2.render_template("demands/letter.html", request, {"view": view})


async def export_csv(request: web.Request) -> web.Response:
    """Named supporters and co-signers as CSV (UTF-8, one row each), to deliver to the target."""
    viewer = await _organiser(request)
    demand = await demand_views.visible_demand(request.match_info["id"], viewer.actor)
    return web.Response(
        text=await demand_views.export_csv(demand),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="demand-{demand.id}.csv"'},
    )


async def _organiser(request: web.Request) -> Viewer:
    viewer = await require_viewer(request)
    if not viewer.account.is_organiser:
        raise Forbidden("Only the collective's admins and organisers can do this.")
    return viewer


# ---------------------------------------------------------------- support


async def support_post(request: web.Request) -> web.Response:
    viewer = await require_viewer(request)
    demand = await demand_views.visible_demand(request.match_info["id"], viewer.actor)
    form = await Form.read(request)
    await demands.support(demand, viewer.actor, is_named=form.checkbox("named"))
    raise web.HTTPSeeOther(f"/demands/{demand.id}")


async def withdraw_support_post(request: web.Request) -> web.Response:
    viewer = await require_viewer(request)
    demand = await demand_views.visible_demand(request.match_info["id"], viewer.actor)
    await demands.withdraw_support(demand, viewer.actor)
    raise web.HTTPSeeOther(f"/demands/{demand.id}")


def routes() -> list[web.AbstractRouteDef]:
    number = r"{id:\d+}"
    return [
        web.get("/demands", list_demands),
        web.get("/demands/new", new_demand_form),
        web.post("/demands/new", new_demand_post),
        web.get(f"/demands/{number}", canonical.redirects(show_demand, canonical.demand)),
        web.get(f"/demands/{number}/edit", edit_demand_form),
        web.post(f"/demands/{number}/edit", edit_demand_post),
        web.post(f"/demands/{number}/publish", publish_post),
        web.post(f"/demands/{number}/status", status_post),
        web.post(f"/demands/{number}/support", support_post),
        web.post(f"/demands/{number}/withdraw-support", withdraw_support_post),
        web.post(f"/demands/{number}/cosign", cosign_post),
        web.get(f"/demands/{number}/letter", letter),
        web.get(f"/demands/{number}/supporters.csv", export_csv),
    ]
