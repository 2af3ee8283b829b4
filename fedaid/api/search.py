"""Search v2: accounts (an exact `acct` resolved by WebFinger with `resolve`), hashtags and statuses.

Statuses are found by URL, or by words through the full-text index (`domain/listings.search_statuses`).
"""

from __future__ import annotations

from aiohttp import web

from fedaid.api.accounts import search_accounts
from fedaid.api.auth import optional_caller
from fedaid.api.entities import render_tag
from fedaid.api.pagination import read_limit, read_offset
from fedaid.api.params import read_params
from fedaid.api.views import presenter
from fedaid.appkeys import SETTINGS
from fedaid.domain import listings
from fedaid.domain.visibility import can_see, local_viewer
from fedaid.federation.lookup import find_post_by_url

TYPES = ("accounts", "hashtags", "statuses")


async def search_v2(request: web.Request) -> web.Response:
    caller = await optional_caller(request)
    viewer = caller.actor if caller else None
    params = await read_params(request)
    q = (params.str("q") or "").strip()
    kind = params.str("type")
    limit = read_limit(params, 20, 40)
    offset = read_offset(params) if viewer else 0
    settings = request.app[SETTINGS]
    view = presenter(request, viewer)
    result = {"accounts": [], "hashtags": [], "statuses": []}
    if q and kind in (None, "", "accounts"):
        actors = await search_accounts(
            request,
            q,
            limit=limit,
            offset=offset,
            viewer=viewer,
            resolve=params.bool("resolve"),
            following_only=params.bool("following"),
        )
        result["accounts"] = await view.accounts(actors)
    if q and kind in (None, "", "hashtags") and "@" not in q:
        result["hashtags"] = [
            render_tag(name, base_url=settings.base_url)
            for name in await listings.hashtags_starting(q.lstrip("#").lower(), limit=limit, offset=offset)
        ]
    if q and kind in (None, "", "statuses") and q.startswith(("https://", "http://")):
        # a post's id or web address, fetched from its server with `resolve` (Mastodon does so for members)
        post = await find_post_by_url(request.app, q, resolve=params.bool("resolve") and viewer is not None)
        if post is not None and await can_see(post, local_viewer(viewer)):
            result["statuses"] = await view.statuses([post])
    elif q and kind in (None, "", "statuses"):
        found = await listings.search_statuses(q, local_viewer(viewer), limit=limit, offset=offset)
        result["statuses"] = await view.statuses(found)
    return web.json_response(result)
