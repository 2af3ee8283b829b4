"""The about page (rules, contact) and search over offers, requests and posts."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from fedaid.appkeys import SETTINGS
from fedaid.domain.instance import count_local_members, find_collective_page, get_collective
from fedaid.domain.search import SearchFilters, search, without_silenced
from fedaid.web.listings import cards_for, visibilities_for
from fedaid.web.sessions import current_viewer

MAX_QUERY = 200


async def show_about(request: web.Request) -> web.Response:
    collective = await get_collective(request.app[SETTINGS].collective_slug)
    page = await find_collective_page(collective)
    context = {
        "collective": collective,
        "page": page,
        "members": await count_local_members(),
        "registration_mode": request.app[SETTINGS].registration_mode,
    }
    return aiohttp_jinja2.render_template("collective/about.html", request, context)


async def show_search(request: web.Request) -> web.Response:
    viewer = await current_viewer(request)
    text = request.query.get("q", "").strip()[:MAX_QUERY]
    cards, posts = [], []
    if text:
        hits = await search(text, SearchFilters(visibilities=visibilities_for(viewer is not None)), limit=40)
        hits = await without_silenced(hits, reader=viewer.actor if viewer else None)
        proposals = [hit.proposal for hit in hits if hit.proposal is not None]
        for proposal in proposals:
            proposal.post = next(hit.post for hit in hits if hit.post.id == proposal.post_id)
        cards = await cards_for(proposals)
        posts = [hit.post for hit in hits if hit.proposal is None and hit.post.in_reply_to_id is None]
    return aiohttp_jinja2.render_template(
        "collective/search.html", request, {"q": text, "cards": cards, "posts": posts}
    )
