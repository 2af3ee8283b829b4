"""The about page (rules, contact) and search over offers, requests and posts."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from fedaid.appkeys import SETTINGS
from fedaid.domain import theme
from fedaid.domain.instance import count_local_members, find_collective, find_collective_page, get_collective
from fedaid.domain.listings import search_listings
from fedaid.domain.registration import registration_mode
from fedaid.web.listings import seen_by
from fedaid.web.sessions import current_viewer

MAX_QUERY = 200


async def show_about(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    collective = await get_collective(settings.collective_slug)
    page = await find_collective_page(collective)
    context = {
        "collective": collective,
        "page": page,
        "members": await count_local_members(),
        "registration_mode": await registration_mode(settings.collective_slug, settings.registration_mode),
    }
    return aiohttp_jinja2.render_template("collective/about.html", request, context)


async def show_search(request: web.Request) -> web.Response:
    viewer = await current_viewer(request)
    text = request.query.get("q", "").strip()[:MAX_QUERY]
    cards, posts = [], []
    if text:
        cards, posts = await search_listings(text, seen_by(viewer))
    return aiohttp_jinja2.render_template(
        "collective/search.html", request, {"q": text, "cards": cards, "posts": posts}
    )


async def theme_css(request: web.Request) -> web.Response:
    """The colours admins chose, as custom properties over fedaid.css (a file, so the CSP needs no inline style)."""
    collective = await find_collective(request.app[SETTINGS].collective_slug)
    css = (await theme.theme_of(collective)).css() if collective else ""
    return web.Response(text=css, content_type="text/css", headers={"Cache-Control": "public, max-age=86400"})
