"""GETs of local objects as AP JSON, and who may make them (docs/interop.md, docs/architecture.md).

    GET /u/<name>/posts/<id>   deleted ──────────────────────────────────────────► 410 + Tombstone
                               visible to the signer (unsigned: anonymous), by
                               the rule of domain/visibility.py ─────────────────► Note, else 404

`signed_fetch(handler)` wraps every AP JSON handler (actors, collections, objects): a request signed
by a blocked domain gets 403, and in authorized-fetch mode an unsigned or badly signed one gets 401.
The instance actor (`/actor`) stays open to all, or no server could fetch the key that signs our GETs.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from fedaid.activitypub.notes import render_tombstone
from fedaid.activitypub.vocab import AP_CONTENT_TYPE
from fedaid.appkeys import REMOTE_ACTORS, SETTINGS
from fedaid.domain import served
from fedaid.domain.post_federation import note_of
from fedaid.domain.visibility import EVERYONE, can_see, viewer_for
from fedaid.errors import FetchError, Forbidden, NotFound, SignatureError, Unauthorized
from fedaid.federation.inbox import DOMAIN_POLICIES, _key_id
from fedaid.hosts import host_of_url
from fedaid.models import Actor
from fedaid.negotiation import wants_activity_json

log = logging.getLogger("fedaid.objects")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_SIGNER_KEY: web.RequestKey[Actor | None] = web.RequestKey("signer")  # a GET's verified signer (None: unsigned)


# --- who asks ------------------------------------------------------------------------------------


async def signer_of(request: web.Request, *, required: bool) -> Actor | None:
    """The verified signer of a GET (cached on the request); None when unsigned and not `required`.

    A request signed by a blocked domain is refused (403) whether or not a signature is required.
    """
    if _SIGNER_KEY in request:
        return request[_SIGNER_KEY]
    key_id = _key_id(request.headers)
    if key_id is not None and await request.app[DOMAIN_POLICIES].is_blocked(host_of_url(key_id)):
        raise Forbidden(f"{host_of_url(key_id)} is blocked by this instance.")
    if key_id is None and not required:
        request[_SIGNER_KEY] = None
        return None
    url = request.app[SETTINGS].base_url + request.raw_path
    try:
        signer = await request.app[REMOTE_ACTORS].verify_request("GET", url, request.headers, None)
    except (FetchError, NotFound) as err:
        if not required:
            request[_SIGNER_KEY] = None
            return None
        raise SignatureError(f"The signer's key cannot be fetched: {err}") from err
    except SignatureError:
        if required:
            raise
        request[_SIGNER_KEY] = None
        return None
    if await request.app[DOMAIN_POLICIES].is_blocked(signer.domain):
        raise Forbidden(f"{signer.domain} is blocked by this instance.")
    request[_SIGNER_KEY] = signer
    return signer


def signed_fetch(handler: Handler) -> Handler:
    """`handler` behind the authorized-fetch rule: in that mode, AP JSON needs a valid signed GET (401)."""

    async def handle(request: web.Request) -> web.StreamResponse:
        required = request.app[SETTINGS].authorized_fetch
        signer = await signer_of(request, required=required)
        if required and signer is None:
            raise Unauthorized("This instance answers signed requests only (authorized fetch).")
        return await handler(request)

    return handle


# --- posts ---------------------------------------------------------------------------------------


async def serve_post_json(request: web.Request) -> web.Response:
    """A local post as AP JSON: public ones to anyone, members-only ones to the servers of its audience."""
    ap_id = request.app[SETTINGS].base_url + request.path
    post = await served.find_local_post(ap_id)
    if post is None:
        raise NotFound("There is no such post here.")
    if post.is_deleted:
        return _activity_json(render_tombstone(post), status=410)
    if post.visibility not in EVERYONE or post.hidden_at is not None:
        signer = await signer_of(request, required=False)
        if not await can_see(post, await viewer_for(signer)):
            raise NotFound("There is no such post here.")  # 404, not 403: do not reveal that it exists
    return _activity_json(await note_of(post))


def _activity_json(doc: dict, status: int = 200) -> web.Response:
    return web.json_response(doc, status=status, content_type=AP_CONTENT_TYPE)


def post_handler(html_handler: Handler | None = None) -> Handler:
    """The post URL: AP JSON to servers (behind `signed_fetch`), the HTML page to people when there is one."""
    json_handler = signed_fetch(serve_post_json)

    async def handle(request: web.Request) -> web.StreamResponse:
        if html_handler is None or wants_activity_json(request):
            response = await json_handler(request)
        else:
            response = await html_handler(request)
        response.headers["Vary"] = "Accept"
        return response

    return handle
