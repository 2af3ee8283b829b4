"""Timelines: home (the member and whom they follow, with their boosts), public (`local`/`remote`) and tag.

Public and tag timelines leave out posts from silenced domains; a member who follows their authors still
sees them at home (Mastodon's "limit").
"""

from __future__ import annotations

from functools import partial

from aiohttp import web
from tortoise.expressions import Subquery

from fedaid.api.auth import user_caller, viewer_of
from fedaid.api.pagination import Page, paged_response, read_page
from fedaid.api.params import read_params
from fedaid.api.rawsql import boost_ids, followed_ids, silenced_domains
from fedaid.api.views import presenter
from fedaid.api.visibility import visible_to
from fedaid.appkeys import SETTINGS
from fedaid.domain.remote_posts import silenced_filter
from fedaid.models import Post, PostTag, Reblog, Visibility


async def home(request: web.Request) -> web.Response:
    """The member's posts and those of whom they follow, with their boosts of others' posts, newest first."""
    caller = await user_caller(request, "read:statuses")
    viewer = caller.actor
    # The followed ids as a list, not a subquery: "mine OR IN (subquery)" leads SQLite to sort every match.
    authors = [viewer.id, *await followed_ids(viewer.id)]
    query = Post.filter(author_id__in=authors, deleted_at__isnull=True, visibility__not=Visibility.DIRECT)
    page = read_page(await read_params(request))
    view = presenter(request, viewer)
    statuses, ids = await view.status_page(query, page, partial(_home_boosts, authors))
    return paged_response(request, request.app[SETTINGS].base_url, page, statuses, ids)


async def _home_boosts(authors: list[int], page: Page) -> list[Reblog]:
    # A boost of a post already in this timeline (its author is followed) would show it twice.
    ids = await boost_ids(authors, page)
    return list(await Reblog.filter(id__in=ids)) if ids else []


async def public(request: web.Request) -> web.Response:
    viewer = await viewer_of(request, "read:statuses")
    params = await read_params(request)
    if params.bool("only_media"):
        return web.json_response([])
    query = Post.filter(visibility=Visibility.PUBLIC, deleted_at__isnull=True)
    if params.bool("local"):
        query = query.filter(is_local=True)
    else:
        query = query.filter(silenced_filter(await silenced_domains()))
        if params.bool("remote"):
            query = query.filter(is_local=False)
    return await _respond(request, query, viewer)


async def tag(request: web.Request) -> web.Response:
    viewer = await viewer_of(request, "read:statuses")
    params = await read_params(request)
    names = [request.match_info["name"], *params.list("any")]
    names = [name.lstrip("#").lower() for name in names if name]
    if params.bool("only_media") or not names:
        return web.json_response([])
    query = Post.filter(
        visibility=Visibility.PUBLIC,
        deleted_at__isnull=True,
        id__in=Subquery(PostTag.filter(name__in=names).values("post_id")),
    )
    for required in params.list("all"):
        query = query.filter(id__in=PostTag.filter(name=required.lstrip("#").lower()).values("post_id"))
    for excluded in params.list("none"):
        query = query.exclude(id__in=PostTag.filter(name=excluded.lstrip("#").lower()).values("post_id"))
    if params.bool("local"):
        query = query.filter(is_local=True)
    else:
        query = query.filter(silenced_filter(await silenced_domains()))
        if params.bool("remote"):
            query = query.filter(is_local=False)
    return await _respond(request, query.filter(visible_to(viewer)), viewer)


async def _respond(request: web.Request, query, viewer) -> web.Response:
    page = read_page(await read_params(request))
    statuses, ids = await presenter(request, viewer).status_page(query, page)
    return paged_response(request, request.app[SETTINGS].base_url, page, statuses, ids)
