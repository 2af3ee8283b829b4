"""Content negotiation: one URL answers AP JSON to servers and HTML to people (ActivityPub §3.2)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
AP_MEDIA_TYPES = ("application/activity+json", "application/ld+json")


def wants_activity_json(request: web.Request) -> bool:
    """True when the Accept header asks for ActivityPub JSON (with or without a profile)."""
    accept = request.headers.get("Accept", "").lower()
    return any(media in accept for media in AP_MEDIA_TYPES)


def negotiated(json_handler: Handler, html_handler: Handler) -> Handler:
    """A handler that serves `json_handler` or `html_handler` by Accept, always with `Vary: Accept`."""

    async def handle(request: web.Request) -> web.StreamResponse:
        chosen = json_handler if wants_activity_json(request) else html_handler
        try:
            response = await chosen(request)
        except web.HTTPException as err:
            err.headers["Vary"] = "Accept"
            raise
        response.headers["Vary"] = "Accept"
        return response

    return handle
