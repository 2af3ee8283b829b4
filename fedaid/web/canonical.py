"""ActivityPub requests to a page's address are redirected to the id of the object it shows.

A server or a search box given `/proposals/12` asks for AP JSON; the page is not the object, so the answer is
a redirect to the object's id, which serves the JSON (Mastodon follows up to three redirects and checks the
document's `id` against the final URL: app/helpers/jsonld_helper.rb, `fetch_resource`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from fedaid.appkeys import SETTINGS
from fedaid.domain import canonical
from fedaid.negotiation import Handler, negotiated


def _redirect(find: Callable[[web.Request], Awaitable[str]]) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(await find(request))

    return handle


def redirects(page: Handler, find: Callable[[web.Request], Awaitable[str]]) -> Handler:
    """`page` to people; to ActivityPub clients, a redirect to the id `find` gives."""
    return negotiated(_redirect(find), page)


async def proposal(request: web.Request) -> str:
    return await canonical.proposal_ap_id(request.match_info["id"])


async def post(request: web.Request) -> str:
    return await canonical.post_ap_id(request.match_info["id"])


async def demand(request: web.Request) -> str:
    return await canonical.demand_ap_id(request.match_info["id"])


async def session(request: web.Request) -> str:
    return await canonical.session_ap_id(request.match_info["session_id"])


async def circle(request: web.Request) -> str:
    return await canonical.local_group_ap_id(request.match_info["slug"])


async def collective(request: web.Request) -> str:
    return await canonical.local_group_ap_id(request.app[SETTINGS].collective_slug)
