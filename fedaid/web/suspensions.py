"""Suspending a domain from the federation page (a confirmation page that lists what it will do, then the act),
and the audit log of admin actions."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from fedaid.domain import audit, suspension
from fedaid.errors import InvalidInput
from fedaid.web.forms import Form
from fedaid.web.sessions import require_admin, require_moderator


async def show_confirmation(request: web.Request, domain: str, reason: str) -> web.Response:
    """The page an admin sees before a block: follows both ways, stored posts, alliances, open agreements."""
    await require_admin(request)
    context = {"preview": await suspension.consequences(domain), "reason": reason}
    return aiohttp_jinja2.render_template("admin/suspend.html", request, context)


async def confirm_post(request: web.Request) -> web.Response:
    """The admin confirmed: answer the domain's follows, remove its posts, block it."""
    viewer = await require_admin(request)
    form = await Form.read(request)
    domain = form.text("domain", required=True, max_length=255)
    reason = form.text("reason", max_length=500)
    if not form.is_valid:
        raise InvalidInput("Say which domain to suspend.")
    done = await suspension.suspend_domain(domain, reason=reason, by=viewer.actor)
    raise web.HTTPSeeOther(f"/admin/federation?suspended={done.domain}#policies")


async def show_audit_log(request: web.Request) -> web.Response:
    """Every admin action, newest first; moderators see it too (they act on reports)."""
    await require_moderator(request)
    return aiohttp_jinja2.render_template("admin/audit.html", request, {"actions": await audit.recent_actions()})
