"""AP JSON for local actors and their collections (the HTML side lives in `web.profiles`)."""

from __future__ import annotations

from aiohttp import web

from fedaid.activitypub.actors import (
    render_actor,
    render_actor_tombstone,
    render_collection,
    render_collection_page,
)
from fedaid.activitypub.vocab import AP_CONTENT_TYPE
from fedaid.domain import served
from fedaid.domain.actors import get_instance_actor, get_local_actor
from fedaid.errors import InvalidInput
from fedaid.models import Actor, ActorType

ACTOR_PATHS = {"u": (ActorType.PERSON,), "c": (ActorType.GROUP,)}


def activity_json(doc: dict, status: int = 200) -> web.Response:
    return web.json_response(doc, status=status, content_type=AP_CONTENT_TYPE)


async def actor_from_path(request: web.Request) -> Actor:
    """The local actor a `/u/<name>` or `/c/<slug>` URL names (deleted ones included)."""
    kind = request.match_info.get("kind")
    if kind is None:
        return await get_instance_actor()
    return await get_local_actor(request.match_info["name"], types=ACTOR_PATHS[kind])


async def serve_actor_json(request: web.Request) -> web.Response:
    actor = await actor_from_path(request)
    if actor.is_deleted:
        return activity_json(render_actor_tombstone(actor), status=410)
    return activity_json(render_actor(actor))


def page_number(request: web.Request) -> int | None:
    raw = request.query.get("page")
    if raw is None:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise InvalidInput("page must be a positive whole number.")
    return int(raw)


async def serve_followers(request: web.Request) -> web.Response:
    actor = await actor_from_path(request)
    return _collection(actor.followers_url, await served.followers_page(actor, page_number(request)), request)


async def serve_following(request: web.Request) -> web.Response:
    actor = await actor_from_path(request)
    return _collection(actor.following_url, await served.following_page(actor, page_number(request)), request)


async def serve_outbox(request: web.Request) -> web.Response:
    """Public posts only: members-only and direct posts never appear here."""
    actor = await actor_from_path(request)
    return _collection(actor.outbox, await served.outbox_page(actor, page_number(request)), request)


def _collection(collection_id: str, found: served.CollectionPage, request: web.Request) -> web.Response:
    page = page_number(request)
    if page is None or found.items is None:
        return activity_json(render_collection(collection_id, found.total))
    return activity_json(render_collection_page(collection_id, page, found.items, found.total))
