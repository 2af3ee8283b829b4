"""Timelines: home, public (`local`/`remote`) and tag; the posts are domain queries (`domain/timelines.py`)."""

from __future__ import annotations

from aiohttp import web

from fedaid.api.auth import user_caller, viewer_of
from fedaid.api.pagination import paged_response, read_page
from fedaid.api.params import read_params
from fedaid.api.views import presenter
from fedaid.appkeys import SETTINGS
from fedaid.domain import timelines
from fedaid.domain.timelines import Entry
from fedaid.domain.visibility import local_viewer
from fedaid.models.post import MAX_TAG_LENGTH


async def home(request: web.Request) -> web.Response:
    """The member's posts and those of whom they follow, with their boosts of others' posts, newest first."""
    caller = await user_caller(request, "read:statuses")
    page = read_page(await read_params(request))
    entries = await timelines.home(local_viewer(caller.actor), page)
    return await _respond(request, caller.actor, page, entries)


async def public(request: web.Request) -> web.Response:
    actor = await viewer_of(request, "read:statuses")
    params = await read_params(request)
    if params.bool("only_media"):
        return web.json_response([])
    page = read_page(params)
    entries = await timelines.public(
        local_viewer(actor), page, local=params.bool("local"), remote=params.bool("remote")
    )
    return await _respond(request, actor, page, entries)


async def tag(request: web.Request) -> web.Response:
    actor = await viewer_of(request, "read:statuses")
    params = await read_params(request)
    names = [_tag_name(name) for name in [request.match_info["name"], *params.list("any")] if name]
    names = [name for name in names if len(name) <= MAX_TAG_LENGTH]  # longer ones tag nothing
    every = [_tag_name(name) for name in params.list("all")]
    if params.bool("only_media") or not names or any(len(name) > MAX_TAG_LENGTH for name in every):
        return web.json_response([])
    page = read_page(params)
    entries = await timelines.tagged(
        local_viewer(actor),
        page,
        names,
        every=every,
        excluded=[name for name in map(_tag_name, params.list("none")) if len(name) <= MAX_TAG_LENGTH],
        local=params.bool("local"),
        remote=params.bool("remote"),
    )
    return await _respond(request, actor, page, entries)


def _tag_name(name: str) -> str:
    return name.lstrip("#").lower()


async def _respond(request: web.Request, actor, page, entries: list[Entry]) -> web.Response:
    statuses, ids = await presenter(request, actor).status_page(entries)
    return paged_response(request, request.app[SETTINGS].base_url, page, statuses, ids)
