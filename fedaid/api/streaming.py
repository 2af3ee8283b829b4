"""Streaming endpoints: server-sent events and the WebSocket form, each a subscription to the in-process hub
(`api/stream_hub.py`) that polls the database."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from fedaid.api.auth import optional_caller
from fedaid.api.stream_hub import HEARTBEAT_SECONDS, REVOKED, STREAM_HUB, USER_STREAMS, Event, Subscription
from fedaid.domain.oauth_scopes import has_scope
from fedaid.errors import Forbidden, InvalidInput, Unauthorized

log = logging.getLogger("fedaid.streaming")

STREAMS = ("user", "user:notification", "public", "public:local", "public:remote", "hashtag", "hashtag:local")


async def health(request: web.Request) -> web.Response:
    return web.Response(text="OK")


async def _subscription_for(request: web.Request, stream: str, tag: str | None) -> Subscription:
    """Check the stream name, the token and its scopes; Mastodon's 400/401/403 answers otherwise."""
    if stream not in STREAMS:
        raise InvalidInput("Unknown stream type")
    caller = await optional_caller(request)
    viewer = caller.actor if caller else None
    if stream in USER_STREAMS:
        if caller is None or viewer is None:
            raise Unauthorized("Missing access token")
        if not has_scope(caller.token.scopes, "read:statuses", "read:notifications"):
            raise Forbidden("Access token does not have the required scopes")
    if stream.startswith("hashtag"):
        tag = (tag or "").lstrip("#").lower()
        if not tag:
            raise InvalidInput("A hashtag stream needs a tag.")
    token_id = caller.token.id if caller else None
    return request.app[STREAM_HUB].subscribe(
        stream, viewer, tag if stream.startswith("hashtag") else None, token_id=token_id
    )


async def server_sent_events(request: web.Request) -> web.StreamResponse:
    """GET /api/v1/streaming/{user,public,hashtag,...}: `event:`/`data:` blocks, a `:thump` heartbeat."""
    stream = request.match_info["stream"].replace("/", ":")
    subscription = await _subscription_for(request, stream, request.query.get("tag"))
    hub = request.app[STREAM_HUB]
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream; charset=utf-8",
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",
        }
    )
    try:
        await response.prepare(request)
        await response.write(b":)\n\n")
        async for event in _events(request, subscription, hub.heartbeat):
            if event is None:
                await response.write(b":thump\n\n")
            else:
                await response.write(f"event: {event.name}\ndata: {event.payload}\n\n".encode())
    except (ConnectionResetError, ConnectionError):
        pass
    finally:
        hub.unsubscribe(subscription)
    return response


async def _events(request: web.Request, subscription: Subscription, heartbeat: float):
    """Events for one subscription; None when a heartbeat is due; ends when the client or server goes."""
    idle, tick = 0.0, min(1.0, heartbeat)
    while True:
        try:
            event = await asyncio.wait_for(subscription.queue.get(), timeout=tick)
        except TimeoutError:
            if request.transport is None or request.transport.is_closing():
                return
            idle += tick
            if idle >= heartbeat:
                idle = 0.0
                yield None
            continue
        if event.name == "close":
            return
        idle = 0.0
        yield event


async def websocket(request: web.Request) -> web.StreamResponse:
    """GET /api/v1/streaming (WebSocket): `?stream=` and/or `{"type": "subscribe", "stream": ...}` messages."""
    await optional_caller(request)  # a bad token is refused before the upgrade
    # Mastodon accepts the token as the WebSocket subprotocol and echoes it back.
    requested = tuple(p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",") if p.strip())
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT_SECONDS, protocols=requested)
    await ws.prepare(request)
    hub = request.app[STREAM_HUB]
    subscriptions: dict[tuple[str, str | None], Subscription] = {}
    forwarders: set[asyncio.Task] = set()

    async def add(stream: str, tag: str | None) -> None:
        key = (stream, (tag or "").lstrip("#").lower() or None)
        if key in subscriptions:
            return
        try:
            subscription = await _subscription_for(request, stream, tag)
        except (InvalidInput, Unauthorized, Forbidden) as err:
            await ws.send_json({"error": str(err), "status": err.status})
            return
        subscriptions[key] = subscription
        forwarders.add(asyncio.create_task(_forward(ws, subscription)))

    try:
        if request.query.get("stream"):
            await add(request.query["stream"], request.query.get("tag"))
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                continue
            command = _command(message.data)
            if command is None:
                continue
            kind, stream, tag = command
            if kind == "subscribe":
                await add(stream, tag)
            elif kind == "unsubscribe":
                subscription = subscriptions.pop((stream, (tag or "").lstrip("#").lower() or None), None)
                if subscription is not None:
                    hub.unsubscribe(subscription)
                    subscription.push(Event("close", ""))
    finally:
        for subscription in subscriptions.values():
            hub.unsubscribe(subscription)
            subscription.push(Event("close", ""))
        for task in forwarders:
            task.cancel()
        await ws.close()
    return ws


def _command(text: str) -> tuple[str, str, str | None] | None:
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("stream"), str):
        return None
    return str(data.get("type")), data["stream"], data.get("tag") if isinstance(data.get("tag"), str) else None


async def _forward(ws: web.WebSocketResponse, subscription: Subscription) -> None:
    while True:
        event = await subscription.queue.get()
        if event.name == "close" and event.payload == REVOKED:
            await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"The access token was revoked")
        if event.name == "close" or ws.closed:
            return
        await ws.send_json({"stream": list(event.stream), "event": event.name, "payload": event.payload})
