"""fedaid's REST API for collective demands and the ledger between collectives (under /api/fedaid/v1/).

Demands: the list (open first), one demand with its named supporters, co-signers and dated history, and
support or its withdrawal by the caller (listed by name or counted only). The ledger between collectives:
the hours this instance's collective gave to and received from each other collective. Described by
`api/openapi_demands.py`; everything is read and changed through `domain/`.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from fedaid.api.auth import user_caller, viewer_of
from fedaid.api.entities import iso, render_media
from fedaid.api.fedaid_entities import account_ref
from fedaid.api.openapi_parts import PREFIX
from fedaid.api.params import read_params
from fedaid.appkeys import SETTINGS
from fedaid.config import Settings
from fedaid.domain import collective_ledger, demand_views, demands, reported_ledgers
from fedaid.domain.instance import get_collective
from fedaid.errors import InvalidInput, Unauthorized
from fedaid.models import Actor, DemandStatus


def render_demand(view: demand_views.DemandView, settings: Settings) -> dict[str, Any]:
    """One demand as the API shows it: what the page shows, with the caller's own support."""
    local_domain = settings.domain
    demand = view.demand
    return {
        "id": str(demand.id),
        "uri": demand.ap_id,
        "collective": account_ref(view.collective, local_domain),
        "is_local": demand.is_local,
        "title": demand.title,
        "text": demand.text,
        "target": demand.target,
        "claims": list(demand.claims),
        "deadline": iso(demand.deadline) if demand.deadline else None,
        "status": str(demand.status),
        "published_at": iso(demand.published_at) if demand.published_at else None,
        "poll_id": str(view.poll.id) if view.poll else None,
        "media_attachments": [render_media(item, base_url=settings.base_url) for item in view.media],
        "supporters_count": view.supporters_count,
        "named_supporters": [
            {"account": account_ref(row.actor, local_domain), "supported_at": iso(row.supported_at)}
            for row in view.named_supporters
        ],
        "cosigners": [
            {"name": row.name, "uri": row.group_ap_id, "url": row.url, "signed_at": iso(row.signed_at)}
            for row in view.cosigners
        ],
        "history": [{"status": str(row.status), "changed_at": iso(row.changed_at)} for row in view.history],
        "has_ended": view.has_ended,
        "is_supportable": view.is_supportable,
        "supported": view.my_vote is not None,
        "supported_by_name": bool(view.my_vote and view.my_vote.is_named),
    }


async def demand_list(request: web.Request) -> web.Response:
    """Demands here and from elsewhere, open first; drafts only for members of this instance."""
    viewer = await viewer_of(request, "read:statuses")
    raw = (await read_params(request)).str("status")
    if raw and raw not in set(DemandStatus):
        raise InvalidInput(f"status must be one of {', '.join(DemandStatus)}.")
    rows = await demand_views.list_demands(viewer, status=DemandStatus(raw) if raw else None)
    settings = request.app[SETTINGS]
    return web.json_response([render_demand(await demand_views.view_of(row, viewer), settings) for row in rows])


async def demand_show(request: web.Request) -> web.Response:
    viewer = await viewer_of(request, "read:statuses")
    demand = await demand_views.visible_demand(request.match_info["id"], viewer)
    return web.json_response(render_demand(await demand_views.view_of(demand, viewer), request.app[SETTINGS]))


async def demand_support(request: web.Request) -> web.Response:
    """The caller supports the demand: `named` true lists them by name, false (the default) counts them only."""
    member = await _member(request)
    demand = await demand_views.visible_demand(request.match_info["id"], member)
    named = (await read_params(request)).bool("named")
    await demands.support(demand, member, is_named=named)
    view = await demand_views.view_of(demand, member)
    return web.json_response(render_demand(view, request.app[SETTINGS]))


async def demand_withdraw_support(request: web.Request) -> web.Response:
    member = await _member(request)
    demand = await demand_views.visible_demand(request.match_info["id"], member)
    await demands.withdraw_support(demand, member)
    view = await demand_views.view_of(demand, member)
    return web.json_response(render_demand(view, request.app[SETTINGS]))


async def _member(request: web.Request) -> Actor:
    """The member a token with `write:statuses` acts for."""
    actor = (await user_caller(request, "write:statuses")).actor
    if actor is None:
        raise Unauthorized("This method requires an authenticated user")
    return actor


async def collective_ledger_show(request: web.Request) -> web.Response:
    """Hours our collective gave to and received from each other collective, from confirmed exchanges."""
    settings = request.app[SETTINGS]
    ours = await get_collective(settings.collective_slug)
    pairs = await collective_ledger.collective_ledger(ours)
    reported = await reported_ledgers.reports_between_others(ours)
    return web.json_response(
        {
            "collective": account_ref(ours, settings.domain),
            "pairs": [
                {
                    "domain": pair.domain,
                    "collective": account_ref(pair.collective, settings.domain) if pair.collective else None,
                    "given_hours": float(pair.given),
                    "received_hours": float(pair.received),
                }
                for pair in pairs
            ],
            "reported_between_others": [
                {
                    "first_domain": pair.first_domain,
                    "second_domain": pair.second_domain,
                    "first_says": _report(pair.first_says),
                    "second_says": _report(pair.second_says),
                    "reports_agree": pair.do_reports_agree,
                }
                for pair in reported
            ],
        }
    )


def _report(report: reported_ledgers.Report | None) -> dict[str, Any] | None:
    """What one collective of a pair reports of the other, as it published it."""
    if report is None:
        return None
    return {
        "given_hours": float(report.given),
        "received_hours": float(report.received),
        "reported_at": report.reported_at.isoformat(),
    }


def table() -> list[tuple[str, str, Any]]:
    number = r"{id:\d+}"
    return [
        ("GET", f"{PREFIX}/demands", demand_list),
        ("GET", f"{PREFIX}/demands/{number}", demand_show),
        ("POST", f"{PREFIX}/demands/{number}/support", demand_support),
        ("POST", f"{PREFIX}/demands/{number}/withdraw_support", demand_withdraw_support),
        ("GET", f"{PREFIX}/collective/ledger", collective_ledger_show),
    ]
