"""Statuses: create (an #offre/#demande becomes a proposal), show, delete, context, favourites and boosts."""

from __future__ import annotations

from aiohttp import web

from fedaid.api.auth import user_caller, viewer_of
from fedaid.api.pagination import fetch_page, paged_response, read_page
from fedaid.api.params import read_params
from fedaid.api.views import Presenter
from fedaid.api.visibility import get_visible_post, visible_to
from fedaid.appkeys import SETTINGS
from fedaid.errors import FedaidError, NotFound
from fedaid.models import Post


class Unprocessable(FedaidError):
    """Mastodon's 422: the status cannot be created as sent."""

    status = 422


def presenter(request: web.Request, viewer=None) -> Presenter:
    return Presenter(request.app[SETTINGS], viewer)


async def create(request: web.Request) -> web.Response:
    await user_caller(request, "write:statuses")
    raise NotFound("Posting is not available yet")


async def show(request: web.Request) -> web.Response:
    viewer = await viewer_of(request, "read:statuses")
    post = await get_visible_post(request.match_info["id"], viewer)
    return web.json_response(await presenter(request, viewer).status(post))


async def delete(request: web.Request) -> web.Response:
    raise NotFound("Record not found")


async def context(request: web.Request) -> web.Response:
    """Ancestors (oldest first) and descendants (depth first, in order) that the viewer may see."""
    viewer = await viewer_of(request, "read:statuses")
    post = await get_visible_post(request.match_info["id"], viewer)
    ancestors: list[Post] = []
    parent_id = post.in_reply_to_id
    while parent_id and len(ancestors) < 40:
        parent = await Post.filter(id=parent_id, deleted_at__isnull=True).filter(visible_to(viewer)).select_related(
            "author").first()
        if parent is None:
            break
        ancestors.insert(0, parent)
        parent_id = parent.in_reply_to_id
    descendants: list[Post] = []
    frontier = [post.id]
    while frontier and len(descendants) < 200:
        children = await (Post.filter(in_reply_to_id__in=frontier, deleted_at__isnull=True).filter(visible_to(viewer))
                          .select_related("author").order_by("id"))
        descendants.extend(children)
        frontier = [child.id for child in children]
    descendants.sort(key=lambda child: child.id)
    view = presenter(request, viewer)
    return web.json_response({"ancestors": await view.statuses(ancestors),
                              "descendants": await view.statuses(descendants)})


async def favourited_by(request: web.Request) -> web.Response:
    viewer = await viewer_of(request, "read:statuses")
    await get_visible_post(request.match_info["id"], viewer)
    return web.json_response([])


async def favourite(request: web.Request) -> web.Response:
    return await _unchanged(request, "write:favourites")


async def unfavourite(request: web.Request) -> web.Response:
    return await _unchanged(request, "write:favourites")


async def reblog(request: web.Request) -> web.Response:
    return await _unchanged(request, "write:statuses")


async def unreblog(request: web.Request) -> web.Response:
    return await _unchanged(request, "write:statuses")


async def _unchanged(request: web.Request, scope: str) -> web.Response:
    caller = await user_caller(request, scope)
    post = await get_visible_post(request.match_info["id"], caller.actor)
    return web.json_response(await presenter(request, caller.actor).status(post))


async def favourites(request: web.Request) -> web.Response:
    caller = await user_caller(request, "read:favourites")
    page = read_page(await read_params(request))
    del caller, page
    return web.json_response([])
