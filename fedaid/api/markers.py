"""Markers: the reading positions of a member's home timeline and notifications (GET and POST)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from fedaid.api.auth import user_caller
from fedaid.api.entities import iso
from fedaid.api.params import read_params
from fedaid.domain import markers
from fedaid.errors import InvalidInput
from fedaid.models import Marker, MarkerTimeline


def render_markers(rows: list[Marker]) -> dict[str, Any]:
    return {
        str(row.timeline): {"last_read_id": row.last_read_id, "version": row.version, "updated_at": iso(row.updated_at)}
        for row in rows
    }


async def index(request: web.Request) -> web.Response:
    """GET /api/v1/markers?timeline[]=home&timeline[]=notifications: {} for timelines never marked."""
    caller = await user_caller(request, "read:statuses")
    params = await read_params(request)
    return web.json_response(render_markers(await markers.get_markers(caller.actor, params.list("timeline"))))


async def save(request: web.Request) -> web.Response:
    """POST /api/v1/markers with `home[last_read_id]` and/or `notifications[last_read_id]`: the markers saved."""
    caller = await user_caller(request, "write:statuses")
    params = await read_params(request)
    wanted = {str(name): params.dict(str(name)).get("last_read_id") for name in MarkerTimeline}
    wanted = {name: value for name, value in wanted.items() if value is not None}
    if not wanted:
        raise InvalidInput("Give home[last_read_id] or notifications[last_read_id].")
    saved = [await markers.save_marker(caller.actor, name, str(value)) for name, value in wanted.items()]
    return web.json_response(render_markers(saved))
