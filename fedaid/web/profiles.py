"""HTML pages of local actors, served at the same URL as their AP documents: members and the collective."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from fedaid.domain.accounts import find_account_of
from fedaid.domain.alliances import list_alliances
from fedaid.domain.instance import count_local_members
from fedaid.domain.ledger import ledger_of
from fedaid.domain.listings import ProposalFilters, list_proposals
from fedaid.federation.actor_routes import actor_from_path
from fedaid.models import AccountState, Actor, ActorType
from fedaid.web.listings import seen_by
from fedaid.web.sessions import current_viewer


async def serve_profile_html(request: web.Request) -> web.Response:
    actor = await actor_from_path(request)
    if actor.is_deleted:
        return aiohttp_jinja2.render_template("profiles/gone.html", request, {"actor": actor}, status=410)
    if actor.type == ActorType.GROUP:
        return await _collective_page(request, actor)
    account = await find_account_of(actor)
    if account is None or account.state != AccountState.APPROVED:
        raise web.HTTPNotFound()
    viewer = await current_viewer(request)
    context = {
        "actor": actor,
        "account": account,
        "ledger": await ledger_of(actor),
        "cards": await list_proposals(ProposalFilters(status="all"), seen_by(viewer), author=actor),
        "is_me": viewer is not None and viewer.actor.id == actor.id,
    }
    return aiohttp_jinja2.render_template("profiles/member.html", request, context)


async def _collective_page(request: web.Request, collective: Actor) -> web.Response:
    alliances = await list_alliances(collective)
    context = {
        "collective": collective,
        "members": await count_local_members(),
        "allies": [a.group for a in alliances if a.is_active],
    }
    return aiohttp_jinja2.render_template("profiles/collective.html", request, context)
