"""Reports on the web: a member reports a post or an account from its page; moderators act from the report."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from fedaid.appkeys import SETTINGS
from fedaid.domain import reports
from fedaid.errors import FedaidError, InvalidInput, NotFound
from fedaid.models import Actor, Post, Report
from fedaid.models.ids import row_id
from fedaid.path_ids import path_id
from fedaid.web import suspensions
from fedaid.web.forms import Form
from fedaid.web.sessions import require_moderator, require_viewer

CATEGORY_CHOICES = list(reports.CATEGORIES)
# What moderators may do; suspending a domain (admins only) goes through its confirmation page.
ACTIONS = (
    "hide",
    "remove",
    "silence-account",
    "suspend-account",
    "silence-domain",
    "suspend-domain",
    "forward",
    "resolve",
)


async def show_report_form(request: web.Request, *, form: Form | None = None, status: int = 200) -> web.Response:
    """`/report?post=ID` or `/report?account=ID`: what the member reports, a category, a comment."""
    viewer = await require_viewer(request)
    source = form if form is not None else Form.of(**request.query)
    account_id, post_id = _optional_id(source.get("account"), Actor), _optional_id(source.get("post"), Post)
    target, post = await reports.report_subject(viewer.actor, account_id=account_id, post_id=post_id)
    context = {
        "form": form or Form.of(account=str(target.id), post=str(post.id) if post else "", category="other"),
        "target": target,
        "post": post,
        "categories": CATEGORY_CHOICES,
    }
    return aiohttp_jinja2.render_template("reports/new.html", request, context, status=status)


async def report_post(request: web.Request) -> web.Response:
    viewer = await require_viewer(request)
    form = await Form.read(request)
    category = form.choice("category", CATEGORY_CHOICES)
    comment = form.text("comment", max_length=reports.MAX_COMMENT)
    post_id = _optional_id(form.get("post"), Post)
    target, post = await reports.report_subject(
        viewer.actor, account_id=_optional_id(form.get("account"), Actor), post_id=post_id
    )
    if not form.is_valid:
        return await show_report_form(request, form=form, status=400)
    await reports.file_report(
        viewer.actor,
        target,
        post_ids=[post.id] if post else [],
        comment=comment,
        category=category,
        forward=form.checkbox("forward"),
        base_url=request.app[SETTINGS].base_url,
    )
    return aiohttp_jinja2.render_template("reports/sent.html", request, {"target": target})


async def show_reports(request: web.Request, *, error: str = "", status: int = 200) -> web.Response:
    viewer = await require_moderator(request)
    context = {
        "open_reports": await reports.reports_for_admins(resolved=False),
        "resolved_reports": await reports.reports_for_admins(resolved=True),
        "is_admin": viewer.is_admin,
        "error": error,
    }
    return aiohttp_jinja2.render_template("admin/reports.html", request, context, status=status)


async def report_action(request: web.Request) -> web.Response:
    """One action on a report: hide or remove a post, suspend the account, silence or suspend its domain,
    forward the report, or resolve it with a note."""
    viewer = await require_moderator(request)
    action = request.match_info["action"]
    if action not in ACTIONS:
        raise web.HTTPNotFound()
    report = await reports.get_report(path_id(request, Report))
    form = await Form.read(request)
    try:
        match action:
            case "hide":
                await reports.hide_post(report, _required_post_id(form.get("post")), by=viewer.actor)
            case "remove":
                await reports.remove_post(report, _required_post_id(form.get("post")), by=viewer.actor)
            case "silence-account":
                await reports.silence_account(report, by=viewer.actor)
            case "suspend-account":
                await reports.suspend_account(report, by=viewer.actor)
            case "silence-domain":
                await reports.silence_domain(report, by=viewer.actor)
            case "suspend-domain":
                if report.target is None or report.target.is_local:
                    raise InvalidInput("This account is a member here: there is no domain to suspend.")
                return await suspensions.show_confirmation(request, report.target.domain, f"report {report.id}")
            case "forward":
                await reports.forward_report(report, by=viewer.actor)
            case "resolve":
                await reports.resolve_report(report, by=viewer.actor, note=form.text("note", max_length=2000))
    except FedaidError as err:
        return await show_reports(request, error=str(err), status=err.status)
    raise web.HTTPSeeOther(f"/admin/reports#report-{report.id}")


def _optional_id(raw: str | None, model: type[Actor] | type[Post]) -> int | None:
    """An id given in the address or the form, read against its column (an id no row can have is a 404)."""
    if not raw:
        return None
    number = row_id(raw, model)
    if number is None:
        raise NotFound("There is no such page.")
    return number


def _required_post_id(raw: str | None) -> int:
    number = row_id(raw or "", Post)
    if number is None:
        raise InvalidInput("Choose a post of the report.")
    return number
