"""Notifications: list (with type filters), show, dismiss and clear."""

from __future__ import annotations

from aiohttp import web

from fedaid.api.auth import user_caller
from fedaid.api.entities import NOTIFICATION_TYPES
from fedaid.api.pagination import paged_response, read_page
from fedaid.api.params import read_params
from fedaid.api.views import presenter
from fedaid.appkeys import SETTINGS
from fedaid.domain.notifications import (
    clear_notifications,
    dismiss_notification,
    find_notification,
    page_of_notifications,
)
from fedaid.domain.visibility import local_viewer
from fedaid.errors import NotFound
from fedaid.models import Notification, NotificationKind


def _kinds_for(types: list[str]) -> set[str]:
    """fedaid kinds that show as any of the Mastodon `types`."""
    kinds = set()
    for kind in NotificationKind:
        if NOTIFICATION_TYPES.get(kind, str(kind)) in types or str(kind) in types:
            kinds.add(str(kind))
    return kinds


async def index(request: web.Request) -> web.Response:
    caller = await user_caller(request, "read:notifications")
    params = await read_params(request)
    page = read_page(params, default=40, maximum=80)
    types, excluded = params.list("types"), params.list("exclude_types")
    rows = await page_of_notifications(
        local_viewer(caller.actor),
        page,
        kinds=_kinds_for(types) if types else None,
        excluded_kinds=_kinds_for(excluded),
        from_actor_id=int(params.str("account_id")) if params.str("account_id", "").isdigit() else None,
    )
    rendered = await presenter(request, caller.actor).notifications(rows)
    return paged_response(request, request.app[SETTINGS].base_url, page, rendered, [row.id for row in rows])


async def _own(request: web.Request, scope: str) -> tuple[Notification, object]:
    caller = await user_caller(request, scope)
    notification_id = request.match_info["id"]
    row = None
    if notification_id.isdigit():
        row = await find_notification(caller.actor, int(notification_id))
    if row is None or row.from_actor is None:
        raise NotFound("Record not found")
    return row, caller


async def show(request: web.Request) -> web.Response:
    row, caller = await _own(request, "read:notifications")
    return web.json_response((await presenter(request, caller.actor).notifications([row]))[0])


async def dismiss(request: web.Request) -> web.Response:
    row, _ = await _own(request, "write:notifications")
    await dismiss_notification(row)
    return web.json_response({})


async def clear(request: web.Request) -> web.Response:
    caller = await user_caller(request, "write:notifications")
    await clear_notifications(caller.actor)
    return web.json_response({})
