"""Favourites and boosts: add and take back, who favourited or boosted a status, and a member's favourites."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp import web

from fedaid.api.auth import user_caller, viewer_of
from fedaid.api.entities import render_reblog_status
from fedaid.api.pagination import paged_response, read_page
from fedaid.api.params import read_params
from fedaid.api.views import Presenter, presenter
from fedaid.api.visibility import get_visible_post
from fedaid.appkeys import SETTINGS
from fedaid.domain import reactions, timelines
from fedaid.domain.paging import Page
from fedaid.domain.visibility import local_viewer
from fedaid.models import Actor, Favourite, Post, Reblog


async def favourite(request: web.Request) -> web.Response:
    """POST /api/v1/statuses/:id/favourite: the status, now favourited (already favourited: unchanged)."""
    return await _react(request, "write:favourites", reactions.favourite)


async def unfavourite(request: web.Request) -> web.Response:
    return await _react(request, "write:favourites", reactions.unfavourite)


async def unreblog(request: web.Request) -> web.Response:
    """POST /api/v1/statuses/:id/unreblog: the boosted status itself, no longer boosted."""
    return await _react(request, "write:statuses", reactions.unreblog)


async def reblog(request: web.Request) -> web.Response:
    """POST /api/v1/statuses/:id/reblog: the member's boost, a status wrapping the boosted one."""
    caller = await user_caller(request, "write:statuses")
    post = await get_visible_post(request.match_info["id"], caller.actor)
    row = await reactions.reblog(post, caller.actor)
    view = presenter(request, caller.actor)
    view.cache.forget(("status", post.id))
    return web.json_response(await render_boost(view, row, post))


async def take_back_own_boost(request: web.Request, status_id: str, actor: Actor) -> dict[str, Any] | None:
    """DELETE on the id of `actor`'s own boost takes the boost back, as Mastodon does: the boost as it was.

    None when `status_id` is not one of `actor`'s boosts.
    """
    if not status_id.isdecimal():
        return None
    row = await reactions.find_own_boost(actor, int(status_id))
    if row is None:
        return None
    view = presenter(request, actor)
    rendered = await render_boost(view, row, row.post)
    await reactions.unreblog(row.post, actor)
    view.cache.forget(("status", row.post_id))
    return rendered


async def render_boost(view: Presenter, row: Reblog, post: Post) -> dict[str, Any]:
    """A Reblog row as the status Mastodon returns for it, with the viewer's view of the boosted post."""
    original = await view.status(post)
    account = (await view.accounts_by_id([row.actor_id]))[row.actor_id]
    return render_reblog_status(row, original, account)


async def _react(request: web.Request, scope: str, action) -> web.Response:
    caller = await user_caller(request, scope)
    post = await get_visible_post(request.match_info["id"], caller.actor)
    await action(post, caller.actor)
    view = presenter(request, caller.actor)
    view.cache.forget(("status", post.id))  # its counts changed
    return web.json_response(await view.status(post))


async def favourited_by(request: web.Request) -> web.Response:
    return await _reacted_by(request, reactions.favourites_page)


async def reblogged_by(request: web.Request) -> web.Response:
    return await _reacted_by(request, reactions.boosts_page)


async def _reacted_by(
    request: web.Request, page_of: Callable[[Post, Page], Awaitable[Sequence[Favourite | Reblog]]]
) -> web.Response:
    """The accounts that favourited or boosted a status, newest first, paged by Link header."""
    viewer = await viewer_of(request, "read:statuses")
    post = await get_visible_post(request.match_info["id"], viewer)
    page = read_page(await read_params(request), default=40, maximum=80)
    rows = await page_of(post, page)
    accounts = await presenter(request, viewer).accounts([row.actor for row in rows])
    return paged_response(request, request.app[SETTINGS].base_url, page, accounts, [row.id for row in rows])


async def favourites(request: web.Request) -> web.Response:
    """GET /api/v1/favourites: the statuses the member favourited, most recently favourited first."""
    caller = await user_caller(request, "read:favourites")
    page = read_page(await read_params(request))
    rows = await timelines.favourites(local_viewer(caller.actor), page)
    statuses = await presenter(request, caller.actor).statuses([row.post for row in rows])
    return paged_response(request, request.app[SETTINGS].base_url, page, statuses, [row.id for row in rows])
