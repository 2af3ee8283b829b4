"""fedaid's own REST API under /api/fedaid/v1/, for what Mastodon has no words for.

Proposals with filters, categories, agreements, exchanges, the ledger and alerts. Described by
`api/openapi.py`, which the tests check every answer against. Same OAuth tokens and scopes as the rest.
"""

from __future__ import annotations

import math
from typing import Any

from aiohttp import web
from tortoise.expressions import Subquery

from fedaid.api.auth import viewer_of
from fedaid.api.openapi import PREFIX, document
from fedaid.api.pagination import fetch_page, paged_response, read_page
from fedaid.api.params import Params, read_params
from fedaid.api.views import Presenter
from fedaid.api.visibility import visible_to
from fedaid.appkeys import SETTINGS
from fedaid.errors import InvalidInput, NotFound
from fedaid.models import Actor, Category, Post, PostTag, Proposal, ProposalStatus

DEFAULT_RADIUS_KM = 25.0


def account_ref(actor: Actor, local_domain: str) -> dict[str, str]:
    acct = actor.username if actor.domain == local_domain else f"{actor.username}@{actor.domain}"
    return {"id": str(actor.id), "acct": acct, "display_name": actor.name or actor.username,
            "url": actor.url or actor.ap_id}


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(document(request.app[SETTINGS].base_url))


async def categories(request: web.Request) -> web.Response:
    language = request.query.get("lang") or request.headers.get("Accept-Language", "fr")
    rows = await Category.filter(is_active=True)
    return web.json_response([{"slug": c.slug, "name": c.name_in(language), "family": str(c.family)} for c in rows])


# --- proposals -----------------------------------------------------------------------------------


def _proposal_filter(params: Params) -> Any:
    query = Proposal.all()
    purpose = params.str("purpose")
    if purpose:
        if purpose not in ("offer", "request"):
            raise InvalidInput("purpose must be offer or request.")
        query = query.filter(purpose=purpose)
    status = params.str("status", "open")
    if status != "any":
        if status not in set(ProposalStatus):
            raise InvalidInput(f"status must be any or one of {', '.join(ProposalStatus)}.")
        query = query.filter(status=status)
    if params.str("category"):
        query = query.filter(category=params.str("category"))
    if params.bool("remote_ok"):
        query = query.filter(remote_ok=True)
    if params.str("q"):
        for word in (params.str("q") or "").split()[:8]:
            query = query.filter(title__icontains=word)
    near = _near(params)
    if near is not None:
        lat, lon, radius = near
        dlat = radius / 111.0
        dlon = radius / max(1.0, 111.0 * math.cos(math.radians(lat)))
        query = query.filter(latitude__gte=lat - dlat, latitude__lte=lat + dlat, longitude__gte=lon - dlon,
                             longitude__lte=lon + dlon)
    return query


def _near(params: Params) -> tuple[float, float, float] | None:
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
    return lat, lon, radius


def _distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


async def _render_proposals(request: web.Request, posts: list[Post], viewer: Actor | None) -> list[dict]:
    statuses = await Presenter(request.app[SETTINGS], viewer).statuses(posts)
    domain = request.app[SETTINGS].domain
    return [{"id": s["id"], "uri": s["uri"], "url": s["url"], "created_at": s["created_at"],
             "content": s["content"], "replies_count": s["replies_count"],
             "account": account_ref(post.author, domain), "fedaid": s["fedaid"]}
            for post, s in zip(posts, statuses, strict=True) if s["fedaid"] is not None]


async def proposals(request: web.Request) -> web.Response:
    viewer = await viewer_of(request, "read:statuses")
    params = await read_params(request)
    page = read_page(params)
    query = Post.filter(deleted_at__isnull=True, id__in=Subquery(_proposal_filter(params).values("post_id")))
    query = query.filter(visible_to(viewer))
    if params.str("tag"):
        query = query.filter(id__in=Subquery(PostTag.filter(name=params.str("tag").lstrip("#").lower())
                                             .values("post_id")))
    if params.bool("local"):
        query = query.filter(is_local=True)
    if (params.str("account_id") or "").isdigit():
        query = query.filter(author_id=int(params.str("account_id")))
    posts = await fetch_page(query.select_related("author"), page)
    near = _near(params)
    if near is not None:
        places = {p.post_id: p for p in await Proposal.filter(post_id__in=[post.id for post in posts])}
        posts = [post for post in posts if _distance_km(near[0], near[1], places[post.id].latitude,
                                                         places[post.id].longitude) <= near[2]]
    return paged_response(request, request.app[SETTINGS].base_url, page,
                          await _render_proposals(request, posts, viewer), [post.id for post in posts])


async def proposal(request: web.Request) -> web.Response:
    viewer = await viewer_of(request, "read:statuses")
    post_id = request.match_info["id"]
    post = None
    if post_id.isdigit():
        post = await Post.filter(id=int(post_id), deleted_at__isnull=True).filter(visible_to(viewer)).select_related(
            "author").first()
    rendered = await _render_proposals(request, [post], viewer) if post else []
    if not rendered:
        raise NotFound("Record not found")
    return web.json_response(rendered[0])


def table() -> list[tuple[str, str, Any]]:
    return [
        ("GET", f"{PREFIX}/openapi.json", openapi),
        ("GET", f"{PREFIX}/categories", categories),
        ("GET", f"{PREFIX}/proposals", proposals),
        ("GET", rf"{PREFIX}/proposals/{{id:\d+}}", proposal),
    ]

