"""GET /media/<key>: the files of attachments. Files of public and unlisted posts, of coaching sessions (public
pages) and of published demands are for everyone, with long caching (nginx can serve them directly, see
deploy/nginx.conf); other files only for the readers the visibility rule lets see one of the posts or draft
demands that show them, and for their uploader."""

from __future__ import annotations

from aiohttp import web

from fedaid.appkeys import MEDIA_FILES, SETTINGS
from fedaid.domain import demand_views, media, theme
from fedaid.domain.oauth import authenticate
from fedaid.domain.visibility import EVERYONE, can_see, local_viewer
from fedaid.errors import NotFound, Unauthorized
from fedaid.filestore import content_type_of, is_key
from fedaid.models import Actor
from fedaid.web.sessions import current_viewer

PUBLIC_CACHING = "public, max-age=31536000, immutable"  # a key names its content: it never changes
PRIVATE_CACHING = "private, max-age=3600"
FILE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # A PDF or a picture must not run anything on our origin, nor be framed by others.
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
    "Cross-Origin-Resource-Policy": "cross-origin",
}


async def serve_media_file(request: web.Request) -> web.StreamResponse:
    key = request.match_info["key"]
    store = request.app[MEDIA_FILES]
    path = store.path_of(key) if is_key(key) else None
    if path is None:
        raise NotFound("There is no such file.")
    shown_in = await media.posts_showing(key)
    demands = await media.demands_showing(key)
    is_public = (
        any(post.visibility in EVERYONE for post in shown_in)
        or any(demand_views.may_see(demand, None) for demand in demands)
        or await media.is_session_file(key)
        or await theme.is_logo_file(key)
    )
    if not is_public and not await _may_read(request, key, shown_in, demands):
        raise NotFound("There is no such file.")  # as for a post one may not see: no hint that it exists
    headers = {
        **FILE_HEADERS,
        "Content-Type": content_type_of(key),
        "Cache-Control": PUBLIC_CACHING if is_public else PRIVATE_CACHING,
    }
    if key.endswith(".pdf"):
        headers["Content-Disposition"] = f'inline; filename="{key[:12]}.pdf"'
    prefix = request.app[SETTINGS].media_accel_redirect
    if prefix:  # nginx sends the file from its internal location, after this check
        return web.Response(headers={**headers, "X-Accel-Redirect": f"{prefix.rstrip('/')}/{key[:2]}/{key}"})
    return web.FileResponse(path, headers=headers)


async def _may_read(request: web.Request, key: str, shown_in: list, demands: list) -> bool:
    reader = await _reader(request)
    if reader is None:
        return False
    if reader.id in await media.uploaders_of(key) or any(demand_views.may_see(d, reader) for d in demands):
        return True
    for post in shown_in:
        if await can_see(post, local_viewer(reader)):
            return True
    return False


async def _reader(request: web.Request) -> Actor | None:
    """The member signed in on the site, or the one whose API token the request carries."""
    viewer = await current_viewer(request)
    if viewer is not None:
        return viewer.actor
    scheme, _, bearer = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not bearer.strip():
        return None
    try:
        _, account = await authenticate(bearer.strip())
    except Unauthorized:
        return None
    return account.actor if account is not None else None
