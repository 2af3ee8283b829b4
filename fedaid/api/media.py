"""Media uploads through the client API: POST /api/v2/media (processed later: 202), POST /api/v1/media
(waits: 200), GET/PUT/DELETE /api/v1/media/:id."""

from __future__ import annotations

from aiohttp import BodyPartReader, web

from fedaid.api.auth import user_caller
from fedaid.api.entities import render_media
from fedaid.api.params import read_params
from fedaid.appkeys import MEDIA_FILES, MEDIA_WORKER, SETTINGS
from fedaid.domain import media, media_cleanup
from fedaid.errors import InvalidInput, PayloadTooLarge
from fedaid.models import MediaAttachment, MediaState

CHUNK_BYTES = 64 * 1024


async def upload_v2(request: web.Request) -> web.Response:
    """Check and keep the file, answer 202 with `url: null`; the picture is processed in the background."""
    uploaded = await _upload(request)
    if uploaded.state == MediaState.PROCESSING:
        request.app[MEDIA_WORKER].process_soon()
        return _media_response(request, uploaded, status=202)
    return _media_response(request, uploaded)


async def upload_v1(request: web.Request) -> web.Response:
    """The older endpoint: the picture is processed before the answer."""
    uploaded = await _upload(request)
    if uploaded.state == MediaState.PROCESSING:
        await request.app[MEDIA_WORKER].process_now(uploaded)
        uploaded = await media.reread(uploaded)
    if uploaded.state == MediaState.FAILED:
        return _unprocessable(uploaded.last_error)
    return _media_response(request, uploaded)


async def _upload(request: web.Request) -> MediaAttachment:
    caller = await user_caller(request, "write:media")
    if request.content_type != "multipart/form-data":
        raise InvalidInput("Send the file as multipart/form-data, in a field named `file`.")
    fields, data = await _read_multipart(request)
    if data is None:
        raise media.NotAttachable("The file is missing: send it in a field named `file`.")
    return await media.upload(
        caller.actor,
        data,
        request.app[MEDIA_FILES],
        description=fields.get("description", ""),
        focus=media.read_focus(fields.get("focus")),
    )


async def _read_multipart(request: web.Request) -> tuple[dict[str, str], bytes | None]:
    """The text fields and the `file` part, read as they stream in and refused past the size limit."""
    reader = await request.multipart()
    fields: dict[str, str] = {}
    data: bytes | None = None
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue
        if part.name == "file":
            data = await _read_capped(part, media.MAX_UPLOAD_BYTES)
        elif part.filename is None and part.name:
            fields[part.name] = (await _read_capped(part, 16 * 1024)).decode("utf-8", "replace")
        else:
            await part.release()  # a custom thumbnail: fedaid makes its own
    return fields, data


async def _read_capped(part: BodyPartReader, limit: int) -> bytes:
    body = bytearray()
    while chunk := await part.read_chunk(CHUNK_BYTES):
        body += chunk
        if len(body) > limit:
            raise PayloadTooLarge(f"A file may be at most {limit // (1024 * 1024)} MiB.")
    return bytes(body)


async def show(request: web.Request) -> web.Response:
    """206 while the picture is processed (url null), 200 once it is ready, 422 if it could not be."""
    caller = await user_caller(request, "write:media")
    found = await media.get_own_media(request.match_info["id"], caller.actor)
    if found.state == MediaState.FAILED:
        return _unprocessable(found.last_error)
    return _media_response(request, found, status=206 if found.state == MediaState.PROCESSING else 200)


async def update(request: web.Request) -> web.Response:
    """PUT /api/v1/media/:id: `description` (alt text) and `focus`."""
    caller = await user_caller(request, "write:media")
    found = await media.get_own_media(request.match_info["id"], caller.actor)
    params = await read_params(request)
    focus = media.read_focus(params.str("focus")) if params.str("focus") else None
    changed = await media.describe(found, description=params.str("description"), focus=focus)
    return _media_response(request, changed)


async def delete(request: web.Request) -> web.Response:
    """DELETE /api/v1/media/:id: an upload not attached to a post goes, with its files."""
    caller = await user_caller(request, "write:media")
    found = await media.get_own_media(request.match_info["id"], caller.actor)
    rendered = render_media(found, base_url=request.app[SETTINGS].base_url)
    await media_cleanup.delete_unattached(found, request.app[MEDIA_FILES])
    return web.json_response(rendered)


def _media_response(request: web.Request, item: MediaAttachment, *, status: int = 200) -> web.Response:
    return web.json_response(render_media(item, base_url=request.app[SETTINGS].base_url), status=status)


def _unprocessable(reason: str) -> web.Response:
    return web.json_response({"error": f"Validation failed: {reason or 'the file could not be processed'}"}, status=422)
