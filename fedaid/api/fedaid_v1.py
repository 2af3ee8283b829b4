"""fedaid's own REST API under /api/fedaid/v1/, for what Mastodon has no words for.

Proposals with filters, categories, agreements, exchanges, the ledger and alerts. Described by
`api/openapi.py`, which the tests check every answer against. Same OAuth tokens and scopes as the rest.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from aiohttp import web

from fedaid.api.auth import user_caller, viewer_of
from fedaid.api.fedaid_entities import account_ref, render_agreement, render_alert, render_exchange, render_ledger
from fedaid.api.openapi_demands import document
from fedaid.api.openapi_parts import PREFIX
from fedaid.api.pagination import paged_response, read_page
from fedaid.api.params import Params, read_params
from fedaid.api.views import presenter
from fedaid.appkeys import SETTINGS
from fedaid.domain import agreements, alerts, exchanges, ledger, posts
from fedaid.domain import proposals as proposals_domain
from fedaid.domain.actors import find_actor
from fedaid.domain.agreement_lists import (
    agreements_on,
    agreements_page,
    exchanges_of,
    exchanges_page,
)
from fedaid.domain.categories import list_categories
from fedaid.domain.proposal_queries import Near, ProposalQuery, find_visible_proposal_post, proposal_posts_page
from fedaid.domain.visibility import can_see, local_viewer
from fedaid.errors import InvalidInput, NotFound
from fedaid.models import (
    Actor,
    Agreement,
    AgreementState,
    Post,
    Proposal,
    ProposalPurpose,
    ProposalStatus,
)
from fedaid.models.ids import LARGEST_INT_ID, possible_id

DEFAULT_RADIUS_KM = 25.0


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(document(request.app[SETTINGS].base_url))


async def categories(request: web.Request) -> web.Response:
    language = request.query.get("lang") or request.headers.get("Accept-Language", "fr")
    rows = await list_categories()
    return web.json_response([{"slug": c.slug, "name": c.name_in(language), "family": str(c.family)} for c in rows])


# --- proposals -----------------------------------------------------------------------------------


def _proposal_query(params: Params) -> ProposalQuery:
    purpose = params.str("purpose")
    if purpose and purpose not in ("offer", "request"):
        raise InvalidInput("purpose must be offer or request.")
    status = params.str("status", "open")
    if status != "any" and status not in set(ProposalStatus):
        raise InvalidInput(f"status must be any or one of {', '.join(ProposalStatus)}.")
    author = params.str("account_id") or ""
    return ProposalQuery(
        purpose=purpose or None,
        status=None if status == "any" else status,
        category=params.str("category") or None,
        remote_ok=params.bool("remote_ok"),
        words=tuple((params.str("q") or "").split()[:8]),
        near=_near(params),
        tag=(params.str("tag") or "").lstrip("#").lower() if params.str("tag") else None,
        local=params.bool("local"),
        author_id=int(author) if author.isdigit() else None,
    )


def _near(params: Params) -> Near | None:
    text = params.str("near")
    if not text:
        return None
    try:
        lat, lon = (float(part) for part in text.split(","))
        radius = float(params.str("radius_km") or DEFAULT_RADIUS_KM)
    except ValueError:
        raise InvalidInput("near must be latitude,longitude (e.g. 45.76,4.84) and radius_km a number.") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180 and 0 < radius <= 20000):
        raise InvalidInput("near is out of range.")
    return Near(lat, lon, radius)


async def _render_proposals(request: web.Request, posts: list[Post], viewer: Actor | None) -> list[dict]:
    statuses = await presenter(request, viewer).statuses(posts)
    domain = request.app[SETTINGS].domain
    return [
        {
            "id": s["id"],
            "uri": s["uri"],
            "url": s["url"],
            "created_at": s["created_at"],
            "content": s["content"],
            "replies_count": s["replies_count"],
            "account": account_ref(post.author, domain),
            "fedaid": s["fedaid"],
        }
        for post, s in zip(posts, statuses, strict=True)
        if s["fedaid"] is not None
    ]


async def proposals(request: web.Request) -> web.Response:
    viewer = await viewer_of(request, "read:statuses")
    params = await read_params(request)
    page = read_page(params)
    posts = await proposal_posts_page(_proposal_query(params), local_viewer(viewer), page)
    return paged_response(
        request,
        request.app[SETTINGS].base_url,
        page,
        await _render_proposals(request, posts, viewer),
        [post.id for post in posts],
    )


async def proposal(request: web.Request) -> web.Response:
    viewer = await viewer_of(request, "read:statuses")
    post_id = request.match_info["id"]
    post = None
    if post_id.isdigit():
        post = await find_visible_proposal_post(int(post_id), local_viewer(viewer))
    rendered = await _render_proposals(request, [post], viewer) if post else []
    if not rendered:
        raise NotFound("Record not found")
    return web.json_response(rendered[0])


# --- agreements and exchanges ---------------------------------------------------------------------


def _hours_param(params: Params) -> Decimal | None:
    text = params.str("hours")
    if text in (None, ""):
        return None
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise InvalidInput("hours must be a number, e.g. 1.5.") from None


async def _render_agreements(request: web.Request, rows: list[Agreement]) -> list[dict[str, Any]]:
    """Agreements with `proposal`, `provider` and `receiver` loaded."""
    domain = request.app[SETTINGS].domain
    exchanges = await exchanges_of(row.id for row in rows)
    return [render_agreement(row, exchanges.get(row.id), domain) for row in rows]


async def _agreement_response(request: web.Request, agreement_id: int) -> web.Response:
    row = await agreements.get_agreement(agreement_id)
    return web.json_response((await _render_agreements(request, [row]))[0])


async def _own_agreement(request: web.Request, scope: str) -> tuple[Agreement, Actor]:
    """An agreement the caller is a party to (or whose proposal they wrote); 404 otherwise."""
    caller = await user_caller(request, scope)
    row = await agreements.get_agreement(int(request.match_info["id"]))
    author_id = row.proposal.post.author_id
    if caller.actor.id not in (row.provider_id, row.receiver_id, author_id):
        raise NotFound("Record not found")
    return row, caller.actor


async def agreement_list(request: web.Request) -> web.Response:
    caller = await user_caller(request, "read:statuses")
    params = await read_params(request)
    page = read_page(params)
    rows = await agreements_page(caller.actor, page, state=params.choice("state", AgreementState))
    return paged_response(
        request, request.app[SETTINGS].base_url, page, await _render_agreements(request, rows), [row.id for row in rows]
    )


async def agreement_show(request: web.Request) -> web.Response:
    row, _ = await _own_agreement(request, "read:statuses")
    return web.json_response((await _render_agreements(request, [row]))[0])


async def proposal_agreements(request: web.Request) -> web.Response:
    caller = await user_caller(request, "read:statuses")
    target = await _proposal_of(request, caller.actor)
    return web.json_response(await _render_agreements(request, await agreements_on(target, caller.actor)))


async def _proposal_of(request: web.Request, viewer: Actor) -> Proposal:
    post_id = request.match_info["id"]
    found = await proposals_domain.find_proposal_of_post(int(post_id)) if post_id.isdigit() else None
    if found is None or found.post.is_deleted or not await can_see(found.post, local_viewer(viewer)):
        raise NotFound("Record not found")
    return await proposals_domain.get_proposal(found.id)


async def agreement_create(request: web.Request) -> web.Response:
    """POST /proposals/:id/agreements: offer to take part; the author, with `response_id`, agrees to a reply."""
    caller = await user_caller(request, "write:statuses")
    target = await _proposal_of(request, caller.actor)
    params = await read_params(request)
    hours = _hours_param(params)
    if params.str("response_id"):
        response = await posts.get_post(int(params.str("response_id") or "0"))
        if response.in_reply_to_id != target.post_id:
            raise InvalidInput("response_id is not a reply to this proposal.")
        row = await agreements.agree_to_response(response, by=caller.actor, hours=hours)
    else:
        row = await agreements.offer_agreement(target, caller.actor, hours=hours)
    return await _agreement_response(request, row.id)


async def agreement_accept(request: web.Request) -> web.Response:
    row, actor = await _own_agreement(request, "write:statuses")
    await agreements.accept_agreement(row, by=actor)
    return await _agreement_response(request, row.id)


async def agreement_reject(request: web.Request) -> web.Response:
    row, actor = await _own_agreement(request, "write:statuses")
    params = await read_params(request)
    await agreements.reject_agreement(row, by=actor, reason=params.str("reason") or "")
    return await _agreement_response(request, row.id)


async def agreement_cancel(request: web.Request) -> web.Response:
    row, actor = await _own_agreement(request, "write:statuses")
    await agreements.cancel_agreement(row, by=actor)
    return await _agreement_response(request, row.id)


async def agreement_confirm(request: web.Request) -> web.Response:
    row, actor = await _own_agreement(request, "write:statuses")
    await exchanges.confirm_exchange(row, by=actor)
    return await _agreement_response(request, row.id)


async def exchange_list(request: web.Request) -> web.Response:
    caller = await user_caller(request, "read:statuses")
    page = read_page(await read_params(request))
    rows = await exchanges_page(caller.actor, page)
    return paged_response(
        request, request.app[SETTINGS].base_url, page, [render_exchange(row) for row in rows], [row.id for row in rows]
    )


# --- the ledger ------------------------------------------------------------------------------------


async def my_ledger(request: web.Request) -> web.Response:
    caller = await user_caller(request, "read:accounts")
    return web.json_response(
        render_ledger(caller.actor, await ledger.ledger_of(caller.actor), request.app[SETTINGS].domain)
    )


async def account_ledger(request: web.Request) -> web.Response:
    actor_id = possible_id(request.match_info["id"], LARGEST_INT_ID)
    actor = await find_actor(actor_id) if actor_id is not None else None
    if actor is None:
        raise NotFound("Record not found")
    return web.json_response(render_ledger(actor, await ledger.ledger_of(actor), request.app[SETTINGS].domain))


# --- alerts ----------------------------------------------------------------------------------------


async def alert_list(request: web.Request) -> web.Response:
    caller = await user_caller(request, "read:accounts")
    return web.json_response([render_alert(row) for row in await alerts.list_alerts(caller.actor)])


async def alert_create(request: web.Request) -> web.Response:
    """Subscribe to new proposals: every criterion given must hold (matching.alert_matches decides)."""
    caller = await user_caller(request, "write:accounts")
    row = await alerts.add_alert(caller.actor, _alert_criteria(await read_params(request)))
    return web.json_response(render_alert(row))


def _alert_criteria(params: Params) -> alerts.AlertCriteria:
    purpose = params.str("purpose") or None
    if purpose not in (None, "offer", "request"):
        raise InvalidInput("purpose must be offer or request.")
    try:
        numbers = {
            name: float(text) if (text := params.str(name)) not in (None, "") else None
            for name in ("latitude", "longitude", "radius_km")
        }
    except ValueError:
        raise InvalidInput("latitude, longitude and radius_km must be numbers.") from None
    return alerts.AlertCriteria(
        purpose=ProposalPurpose(purpose) if purpose else None,
        category=params.str("category") or "",
        tag=params.str("tag") or "",
        place_name=params.str("place_name") or "",
        **numbers,
    )


async def alert_delete(request: web.Request) -> web.Response:
    caller = await user_caller(request, "write:accounts")
    alert_id = possible_id(request.match_info["id"], LARGEST_INT_ID)
    if alert_id is None or not await alerts.remove_alert(caller.actor, alert_id):
        raise NotFound("Record not found")
    return web.json_response({})


def table() -> list[tuple[str, str, Any]]:
    number = r"{id:\d+}"
    return [
        ("GET", f"{PREFIX}/openapi.json", openapi),
        ("GET", f"{PREFIX}/categories", categories),
        ("GET", f"{PREFIX}/proposals", proposals),
        ("GET", f"{PREFIX}/proposals/{number}", proposal),
        ("GET", f"{PREFIX}/proposals/{number}/agreements", proposal_agreements),
        ("POST", f"{PREFIX}/proposals/{number}/agreements", agreement_create),
        ("GET", f"{PREFIX}/agreements", agreement_list),
        ("GET", f"{PREFIX}/agreements/{number}", agreement_show),
        ("POST", f"{PREFIX}/agreements/{number}/accept", agreement_accept),
        ("POST", f"{PREFIX}/agreements/{number}/reject", agreement_reject),
        ("POST", f"{PREFIX}/agreements/{number}/cancel", agreement_cancel),
        ("POST", f"{PREFIX}/agreements/{number}/confirm", agreement_confirm),
        ("GET", f"{PREFIX}/exchanges", exchange_list),
        ("GET", f"{PREFIX}/ledger", my_ledger),
        ("GET", f"{PREFIX}/accounts/{number}/ledger", account_ledger),
        ("GET", f"{PREFIX}/alerts", alert_list),
        ("POST", f"{PREFIX}/alerts", alert_create),
        ("DELETE", f"{PREFIX}/alerts/{number}", alert_delete),
    ]
