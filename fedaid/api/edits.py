"""Editing statuses: PUT /api/v1/statuses/:id, and its `source` and `history` for the apps' edit screens."""

from __future__ import annotations

from aiohttp import web

from fedaid.activitypub.sanitize import plain_text
from fedaid.api.auth import user_caller, viewer_of
from fedaid.api.entities import iso
from fedaid.api.params import read_params
from fedaid.api.statuses import mentioned, unprocessable
from fedaid.api.views import presenter
from fedaid.api.visibility import get_visible_post
from fedaid.domain import media, post_edits
from fedaid.errors import InvalidInput


async def update(request: web.Request) -> web.Response:
    """PUT /api/v1/statuses/:id: new text and content warning, federated as Update(Note); 422 if invalid."""
    caller = await user_caller(request, "write:statuses")
    post = await get_visible_post(request.match_info["id"], caller.actor)
    params = await read_params(request)
    text = params.str("status") or ""
    try:
        attached = None
        if "media_ids" in params:  # absent: the attachments stay as they are, as on Mastodon
            attached = await media.check_attachable(caller.actor, params.list("media_ids"), target=post)
        if params.dict("poll") or params.list("poll[options]"):
            raise InvalidInput("Polls are not available on fedaid.")
        post = await post_edits.edit_with_history(
            post,
            by=caller.actor,
            text=text,
            summary=params.str("spoiler_text"),
            sensitive=params.bool("sensitive") if "sensitive" in params else None,
            mentions=await mentioned(request, text),
            media=attached,
        )
    except InvalidInput as err:  # Mastodon answers validation failures with 422
        return unprocessable(str(err))
    return web.json_response(await presenter(request, caller.actor).status(post))


async def source(request: web.Request) -> web.Response:
    """GET /api/v1/statuses/:id/source: the plain text an app puts back in its composer (author only)."""
    caller = await user_caller(request, "read:statuses")
    post = await get_visible_post(request.match_info["id"], caller.actor)
    if post.author_id != caller.actor.id:
        return web.json_response({"error": "Record not found"}, status=404)
    return web.json_response({"id": str(post.id), "text": plain_text(post.content), "spoiler_text": post.summary or ""})


async def history(request: web.Request) -> web.Response:
    """GET /api/v1/statuses/:id/history: every version, oldest first, the current one last."""
    viewer = await viewer_of(request, "read:statuses")
    post = await get_visible_post(request.match_info["id"], viewer)
    account = await presenter(request, viewer).account(post.author)
    return web.json_response(
        [
            {
                "content": version.content,
                "spoiler_text": version.summary,
                "sensitive": version.sensitive,
                "created_at": iso(version.written_at),
                "account": account,
                "poll": None,
                "media_attachments": [],
                "emojis": [],
            }
            for version in await post_edits.history(post)
        ]
    )
