"""Pictures and documents sent with a page's form (multipart, no JavaScript needed): up to four files, each
with its own alt-text field, checked all together before any is kept; on an edit form, a box beside each file
already there takes it off. Files a form kept that nothing shows once it is handled (the form was refused, or
saving it failed) are removed at once."""

from __future__ import annotations

from aiohttp import web
from aiohttp.web_request import FileField

from fedaid.appkeys import MEDIA_FILES, MEDIA_WORKER, PAGE_ROUTES
from fedaid.domain import media, media_cleanup
from fedaid.imaging import PDF, UnsupportedMedia, sniff
from fedaid.models import Actor, MediaAttachment, MediaState
from fedaid.web.forms import Form

SLOTS = tuple(range(1, media.MAX_ATTACHMENTS + 1))  # fields picture_1 … picture_4 and alt_1 … alt_4
# A form with its four files: the app's body limit (kept small for the inbox) is raised for these only.
MAX_FORM_BYTES = media.MAX_ATTACHMENTS * media.MAX_UPLOAD_BYTES + 1024 * 1024


# The uploads a page's form kept while it was handled.
_KEPT: web.RequestKey[list[int]] = web.RequestKey("form_uploads")


@web.middleware
async def page_form_files(request: web.Request, handler) -> web.StreamResponse:
    """Multipart forms sent to a page route may carry files up to MAX_FORM_BYTES in all; what they kept and
    nothing shows once they are handled is removed."""
    if request.method != "POST" or request.content_type != "multipart/form-data":
        return await handler(request)
    if not request.app[PAGE_ROUTES].is_page(request):
        return await handler(request)
    form_request = request.clone(client_max_size=MAX_FORM_BYTES)
    kept: list[int] = []
    form_request[_KEPT] = kept
    try:
        return await handler(form_request)
    finally:
        await media_cleanup.discard_unused(kept, request.app[MEDIA_FILES])


async def attachments_from(
    request: web.Request, form: Form, owner: Actor, *, room: int = media.MAX_ATTACHMENTS
) -> list[MediaAttachment]:
    """The files of the form, kept and processed, in slot order; problems go beside their field (nothing
    is kept then). More files than `room` (four, less those an edited page keeps), or any other file field,
    are refused whole."""
    posted = await request.post()
    files = {key: value for key, value in posted.items() if isinstance(value, FileField) and value.filename}
    chosen = [(slot, files.pop(f"picture_{slot}")) for slot in SLOTS if f"picture_{slot}" in files]
    if files or len(chosen) > room:
        form.fail("picture_1", "At most %(count)s pictures or documents in all.", count=len(SLOTS))
        return []
    contents = []
    for slot, upload in chosen:
        field = f"picture_{slot}"
        data = upload.file.read(media.MAX_UPLOAD_BYTES + 1)
        if len(data) > media.MAX_UPLOAD_BYTES:
            form.fail(field, "This file is larger than 16 MiB.")
            continue
        try:
            sniff(data)
        except UnsupportedMedia:
            form.fail(field, "This file is not a picture (JPEG, PNG, GIF or WebP) or a PDF document.")
            continue
        contents.append((slot, data, form.text(f"alt_{slot}", max_length=media.MAX_DESCRIPTION)))
    if not form.is_valid:
        return []
    return await _keep(request, form, owner, contents)


async def edited_attachments(
    request: web.Request, form: Form, owner: Actor, current: list[MediaAttachment]
) -> list[MediaAttachment]:
    """What an edit form leaves: the files already there whose "remove" box is not ticked, then the files sent
    (checked as `attachments_from` does, with the room the kept ones leave)."""
    kept = [item for item in current if not form.checkbox(f"remove_{item.id}")]
    added = await attachments_from(request, form, owner, room=media.MAX_ATTACHMENTS - len(kept))
    return [*kept, *added]


async def _keep(request: web.Request, form: Form, owner: Actor, contents: list) -> list[MediaAttachment]:
    kept = []
    for slot, data, alt in contents:
        field = f"picture_{slot}"
        upload = await media.upload(owner, data, request.app[MEDIA_FILES], description=alt)
        _note_kept(request, upload)
        if upload.state == MediaState.PROCESSING:
            await request.app[MEDIA_WORKER].process_now(upload)
            upload = await media.reread(upload)
        if upload.state != MediaState.READY:
            form.fail(field, "This picture cannot be read: it is damaged or incomplete.")
        kept.append(upload)
    if not form.is_valid:
        return []
    return await media.check_attachable(owner, [upload.id for upload in kept])


async def picture_from(request: web.Request, form: Form, owner: Actor, name: str) -> MediaAttachment | None:
    """The one picture sent in file field `name`, kept and processed (None when none was sent); a problem goes
    beside the field and nothing is kept."""
    upload = (await request.post()).get(name)
    if not isinstance(upload, FileField) or not upload.filename:
        return None
    data = upload.file.read(media.MAX_UPLOAD_BYTES + 1)
    if len(data) > media.MAX_UPLOAD_BYTES:
        form.fail(name, "This file is larger than 16 MiB.")
        return None
    try:
        is_picture = sniff(data) != PDF
    except UnsupportedMedia:
        is_picture = False
    if not is_picture:
        form.fail(name, "The logo must be a picture (JPEG, PNG, GIF or WebP).")
        return None
    kept = await media.upload(owner, data, request.app[MEDIA_FILES])
    _note_kept(request, kept)
    if kept.state == MediaState.PROCESSING:
        await request.app[MEDIA_WORKER].process_now(kept)
        kept = await media.reread(kept)
    if kept.state != MediaState.READY:
        form.fail(name, "This picture cannot be read: it is damaged or incomplete.")
        return None
    return kept


def _note_kept(request: web.Request, upload: MediaAttachment) -> None:
    """Remember an upload of this form, so that it goes if the form ends without showing it."""
    if _KEPT in request:
        request[_KEPT].append(upload.id)
