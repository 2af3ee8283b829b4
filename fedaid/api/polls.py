"""Polls in the client API: GET /api/v1/polls/:id and POST /api/v1/polls/:id/votes (Mastodon's Poll entity).

A demand is a status with a poll of one option: voting in it from any app supports the demand, counted only
(the pages ask whether to list the name). Voting in a remote poll sends the vote to its server.
"""

from __future__ import annotations

from aiohttp import web

from fedaid.api.auth import user_caller, viewer_of
from fedaid.api.entities import render_poll
from fedaid.api.params import read_params
from fedaid.api.render_cache import RENDER_CACHE
from fedaid.api.visibility import can_see
from fedaid.domain import polls
from fedaid.errors import InvalidInput, NotFound
from fedaid.models import Actor, Poll


async def show(request: web.Request) -> web.Response:
    """GET /api/v1/polls/:id: the poll of a status the caller may see."""
    viewer = await viewer_of(request, "read:statuses")
    poll = await _visible_poll(request, viewer)
    return web.json_response(await _rendered(poll, viewer))


async def vote(request: web.Request) -> web.Response:
    """POST /api/v1/polls/:id/votes with `choices[]`: the poll, with the caller's vote."""
    caller = await user_caller(request, "write:statuses")
    poll = await _visible_poll(request, caller.actor)
    params = await read_params(request)
    raw = params.list("choices") or params.list("choices[]")
    try:
        choices = [int(choice) for choice in raw]
    except ValueError:
        raise InvalidInput("choices must be option numbers, from 0.") from None
    poll = await polls.vote(poll, caller.actor, choices)
    if RENDER_CACHE in request.app:
        request.app[RENDER_CACHE].forget(("status", poll.post_id))
    return web.json_response(await _rendered(poll, caller.actor))


async def _visible_poll(request: web.Request, viewer: Actor | None) -> Poll:
    poll = await polls.get_poll(request.match_info["id"])
    if not await can_see(poll.post, viewer):
        raise NotFound("Record not found")
    return poll


async def _rendered(poll: Poll, viewer: Actor | None) -> dict:
    post = poll.post if poll.post_id else None
    rendered = render_poll(poll, is_local=bool(post and post.is_local))
    if viewer is not None:
        mine = (await polls.own_choices([poll.id], viewer)).get(poll.id, [])
        rendered.update(voted=bool(mine), own_votes=mine)
    return rendered
