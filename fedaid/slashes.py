"""One rule for trailing slashes: API, OAuth, well-known and NodeInfo paths answer with and without one.

Clients build both forms: `toot` opens `/oauth/authorize/?…` (toot/auth.py joins the base URL and
"oauth/authorize/"), Mastodon.py posts to `/api/v1/reports/`; Mastodon's Rails router accepts either. Routes
are declared once, without the slash; a request whose path ends in one is answered as the same path
without it, when that path has a route.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.web_urldispatcher import SystemRoute

SLASH_TOLERANT_PREFIXES = ("/api/", "/oauth/", "/.well-known/", "/nodeinfo/")


def _is_catch_all(match: web.UrlMappingMatchInfo) -> bool:
    """The `/api/{tail}` route that answers Mastodon's JSON 404 for unknown API paths."""
    resource = match.route.resource
    return resource is not None and resource.canonical == "/api/{tail}"


async def _real_route(request: web.Request, path: str) -> bool:
    match = await request.app.router.resolve(request.clone(rel_url=path))
    return not isinstance(match.route, SystemRoute) and not _is_catch_all(match)  # type: ignore[arg-type]


@web.middleware
async def slash_middleware(request: web.Request, handler) -> web.StreamResponse:
    """Answer `/x/` as `/x` under the tolerant prefixes when `/x/` itself has no route of its own."""
    path = request.path
    if not (path.endswith("/") and path.startswith(SLASH_TOLERANT_PREFIXES) and len(path) > 1):
        return await handler(request)
    match = request.match_info
    if not isinstance(match.route, SystemRoute) and not _is_catch_all(match):  # type: ignore[arg-type]
        return await handler(request)
    stripped = path.rstrip("/") or "/"
    if not await _real_route(request, stripped):
        return await handler(request)
    rel_url = request.rel_url.with_path(stripped).with_query(request.rel_url.query)
    # Application._handle is aiohttp's own entry for a request: it resolves the route again and runs every
    # middleware for it, so the page/document checks see the real route.
    return await request.app._handle(request.clone(rel_url=rel_url))
