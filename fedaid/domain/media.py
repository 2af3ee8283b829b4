"""Pictures and documents members attach to their posts, demands and sessions: upload, describe, attach, and
files that go when nothing refers to them any more.

An upload is checked at once (type, size, pixels: refusals store nothing), kept as it came, and queued
(`WorkItem`) for its decode and re-encode, which `process_upload` does in a thread. Attaching is the
same for every kind of post (plain posts, proposals, and any later kind), for a demand and for a coaching
session: `check_attachable` before the transaction, `attach` inside it. No HTTP here; files go through a
`FileStore`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence

from tortoise.expressions import Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from fedaid.domain import work
from fedaid.errors import Forbidden, InvalidInput, NotFound, PayloadTooLarge
from fedaid.filestore import FileStore, key_for
from fedaid.imaging import PDF, ProcessedImage, UnsupportedMedia, process_image, sniff
from fedaid.models import (
    Actor,
    CoachingSession,
    Demand,
    MediaAttachment,
    MediaKind,
    MediaState,
    Post,
    WorkKind,
)
from fedaid.models.ids import new_id
from fedaid.storage.statements import rows_held_by

log = logging.getLogger("fedaid.media")

MAX_ATTACHMENTS = 4
MAX_UPLOAD_BYTES = 16 * 1024 * 1024  # Mastodon's image_size_limit
MAX_DESCRIPTION = 1500  # Mastodon's description_limit
HOLDERS = ("post_id", "demand_id", "session_id")  # what may show an attachment; a row with none is an orphan

# What attachments hang on: a post, a demand (a draft has no post yet) or a coaching session (which has none).
Holder = Post | Demand | CoachingSession


class NotAttachable(InvalidInput):
    """The media cannot go on this post (a 422, as Mastodon answers)."""

    status = 422


# ---------------------------------------------------------------- upload and describe


def read_focus(raw: str | None) -> tuple[float, float]:
    """Mastodon's `focus` parameter, "x,y" with each between -1 and 1 (0,0 is the centre)."""
    if not raw:
        return 0.0, 0.0
    try:
        x, y = (float(part) for part in raw.split(","))
    except ValueError:
        raise InvalidInput("focus must be two numbers between -1 and 1, as x,y (e.g. 0.2,-0.5).") from None
    if not (-1 <= x <= 1 and -1 <= y <= 1):
        raise InvalidInput("focus must be two numbers between -1 and 1, as x,y (e.g. 0.2,-0.5).")
    return x, y


def _check_description(description: str) -> str:
    description = description.strip()
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(f"A description holds at most {MAX_DESCRIPTION} characters.")
    return description


async def upload(
    owner: Actor,
    data: bytes,
    store: FileStore,
    *,
    description: str = "",
    focus: tuple[float, float] = (0.0, 0.0),
) -> MediaAttachment:
    """Check an upload and keep it: a PDF is ready at once, a picture is queued for processing."""
    if not owner.is_local or owner.is_deleted:
        raise Forbidden("Only a member of this instance can upload here.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise PayloadTooLarge(f"A file may be at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB.")
    if not data:
        raise UnsupportedMedia("The file is empty.")
    description = _check_description(description)
    content_type = sniff(data)  # refusals happen here, before anything is stored
    is_pdf = content_type == PDF
    key = key_for(data, content_type)
    async with in_transaction():
        media = await MediaAttachment.create(
            id=new_id(),
            owner=owner,
            kind=MediaKind.UNKNOWN if is_pdf else MediaKind.IMAGE,
            state=MediaState.READY if is_pdf else MediaState.PROCESSING,
            content_type=content_type,
            description=description,
            focus_x=focus[0],
            focus_y=focus[1],
            file_key=key,
            size=len(data),
        )
        if not is_pdf:
            await work.queue(WorkKind.PROCESS_UPLOAD, str(media.id))
    try:
        store.put(data, content_type)  # after the row: see fedaid.filestore on the order of writes
    except OSError:
        await media.delete()  # its queued processing finds no row and does nothing
        raise
    return media


async def process_upload(media: MediaAttachment, store: FileStore) -> None:
    """Decode and re-encode an uploaded picture in a thread: EXIF gone, shrunk, with `small` and blurhash."""
    if media.state != MediaState.PROCESSING or media.file_key is None:
        return
    raw_key = media.file_key
    path = store.path_of(raw_key)
    if path is None:
        await _fail(media, "the uploaded file is missing", store)
        return
    try:
        processed = await asyncio.to_thread(lambda: process_image(path.read_bytes()))
    except UnsupportedMedia as err:
        await _fail(media, str(err), store)
        return
    await store_processed(media, processed, store)
    await release_files([raw_key], store)


async def wait_until_processed(media: MediaAttachment, timeout: float, poll: float = 0.05) -> None:
    """Return once another worker has processed `media` (ready or failed), or after `timeout` seconds."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout):
            while await MediaAttachment.filter(id=media.id, state=MediaState.PROCESSING).exists():
                await asyncio.sleep(poll)


async def store_processed(media: MediaAttachment, processed: ProcessedImage, store: FileStore) -> None:
    """Keep a processed picture's two files and their sizes on the row: it is ready."""
    media.file_key = key_for(processed.original.data, processed.original.content_type)
    media.thumbnail_key = key_for(processed.small.data, processed.small.content_type)
    media.content_type = processed.original.content_type
    media.width, media.height = processed.original.width, processed.original.height
    media.small_width, media.small_height = processed.small.width, processed.small.height
    media.blurhash, media.size = processed.blurhash, len(processed.original.data)
    media.kind, media.state, media.last_error = MediaKind.IMAGE, MediaState.READY, ""
    await media.save()
    store.put(processed.original.data, processed.original.content_type)  # after the row, as in `upload`
    store.put(processed.small.data, processed.small.content_type)


async def _fail(media: MediaAttachment, reason: str, store: FileStore) -> None:
    log.info("media failed", extra={"media_id": media.id, "reason": reason})
    keys = files_of([media])
    await MediaAttachment.filter(id=media.id).update(
        state=MediaState.FAILED, last_error=reason[:2000], file_key=None, thumbnail_key=None
    )
    await release_files(keys, store)


async def find_media(media_id: str) -> MediaAttachment | None:
    """An attachment by its id as a queue item names it, or None."""
    return await MediaAttachment.get_or_none(id=int(media_id)) if media_id.isdigit() else None


async def reread(media: MediaAttachment) -> MediaAttachment:
    """The attachment as stored now (after a worker processed it)."""
    return await MediaAttachment.get(id=media.id)


async def get_own_media(media_id: str | int, owner: Actor) -> MediaAttachment:
    """One of `owner`'s uploads; NotFound for anyone else's (as Mastodon answers)."""
    try:
        number = int(media_id)
    except (TypeError, ValueError):
        raise NotFound("Record not found") from None
    media = await MediaAttachment.get_or_none(id=number, owner_id=owner.id)
    if media is None:
        raise NotFound("Record not found")
    return media


async def describe(
    media: MediaAttachment, *, description: str | None = None, focus: tuple[float, float] | None = None
) -> MediaAttachment:
    """Change the alt text or the focal point of an upload."""
    if description is not None:
        media.description = _check_description(description)
    if focus is not None:
        media.focus_x, media.focus_y = focus
    await media.save(update_fields=["description", "focus_x", "focus_y"])
    return media


# ---------------------------------------------------------------- attaching to posts, demands and sessions


def holder_of(target: Holder) -> dict[str, int]:
    """The column naming `target` on its attachments, with its id, e.g. {"session_id": 12}."""
    if isinstance(target, CoachingSession):
        return {"session_id": target.id}
    if isinstance(target, Demand):
        return {"demand_id": target.id}
    return {"post_id": target.id}


def is_held(media: MediaAttachment) -> bool:
    """True when a post, a demand or a session shows this attachment."""
    return any(getattr(media, column) is not None for column in HOLDERS)


def check_count(count: int) -> None:
    """A post, a demand or a session holds at most MAX_ATTACHMENTS files."""
    if count > MAX_ATTACHMENTS:
        raise NotAttachable(f"Attach at most {MAX_ATTACHMENTS} pictures or documents.")


async def check_attachable(
    owner: Actor, media_ids: Sequence[str | int], *, target: Holder | None = None
) -> list[MediaAttachment]:
    """The uploads `media_ids` names, in order, if `owner` may put them on a post, a demand or a session (or on
    `target`, when editing it)."""
    if not media_ids:
        return []
    check_count(len(media_ids))
    try:
        ids = list(dict.fromkeys(int(media_id) for media_id in media_ids))
    except (TypeError, ValueError):
        raise NotAttachable("media_ids must be the ids of your uploads.") from None
    found = {media.id: media for media in await MediaAttachment.filter(id__in=ids, owner_id=owner.id)}
    if len(found) != len(ids):
        raise NotAttachable("One of the media_ids is not one of your uploads.")
    ordered = [found[media_id] for media_id in ids]
    own = holder_of(target).items() if target is not None else ()
    for media in ordered:
        if is_held(media) and not any(getattr(media, column) == number for column, number in own):
            raise NotAttachable("One of the media is already attached to another post.")
        if media.state == MediaState.PROCESSING:
            raise NotAttachable("Cannot attach files that have not finished processing. Try again in a moment!")
        if media.state != MediaState.READY:
            raise NotAttachable("One of the media could not be processed: upload it again.")
    return ordered


async def attach(target: Holder, media: Sequence[MediaAttachment], *, is_new: bool = False) -> None:
    """Put checked uploads on a post, a demand or a session, in order; call it in its transaction. Uploads it
    no longer shows (an edit) are taken off it (orphans are pruned later); one just inserted (`is_new`) has none."""
    check_count(len(media))
    ((column, number),) = holder_of(target).items()
    if not is_new:
        await MediaAttachment.filter(**{column: number}).exclude(id__in=[m.id for m in media]).update(**{column: None})
    for position, item in enumerate(media):
        await MediaAttachment.filter(id=item.id).update(**{column: number}, position=position)
        item.update_from_dict({column: number, "position": position})  # as stored, for a Note rendered next


async def media_of(target: Holder) -> list[MediaAttachment]:
    """The attachments of one post, demand or session, in their order."""
    return list(await MediaAttachment.filter(**holder_of(target)).order_by("position", "id"))


async def copies_of(media: Sequence[MediaAttachment]) -> list[MediaAttachment]:
    """New rows showing the same files (each session of a series shows its own): held by nothing yet."""
    copies = []
    for item in media:
        copy = item.clone(pk=new_id())
        copy.post_id = copy.demand_id = copy.session_id = None
        await copy.save(force_create=True)
        copies.append(copy)
    return copies


async def media_of_posts(post_ids: Iterable[int]) -> dict[int, list[MediaAttachment]]:
    """Each post's attachments, in their order."""
    return await _media_held_by("post_id", post_ids)


async def media_of_sessions(session_ids: Iterable[int]) -> dict[int, list[MediaAttachment]]:
    """Each coaching session's attachments, in their order."""
    return await _media_held_by("session_id", session_ids)


async def _media_held_by(column: str, holder_ids: Iterable[int]) -> dict[int, list[MediaAttachment]]:
    found: dict[int, list[MediaAttachment]] = defaultdict(list)
    for media in await rows_held_by(MediaAttachment, column, sorted(set(holder_ids)), "position, id"):
        found[getattr(media, column)].append(media)
    return found


def _using(key: str) -> QuerySet[MediaAttachment]:
    """The attachments whose original or small version is the file `key`."""
    return MediaAttachment.filter(Q(file_key=key) | Q(thumbnail_key=key))


async def posts_showing(key: str) -> list[Post]:
    """The posts (not deleted) whose attachments use the file `key`, with their authors."""
    post_ids = await _using(key).filter(post_id__isnull=False).values_list("post_id", flat=True)
    if not post_ids:
        return []
    return list(await Post.filter(id__in=list(post_ids), deleted_at__isnull=True).select_related("author"))


async def demands_showing(key: str) -> list[Demand]:
    """The demands whose attachments use the file `key` (a draft's files are shown by no post yet)."""
    demand_ids = await _using(key).filter(demand_id__isnull=False).values_list("demand_id", flat=True)
    return list(await Demand.filter(id__in=list(demand_ids))) if demand_ids else []


async def is_session_file(key: str) -> bool:
    """Whether a coaching session shows the file `key`: session pages are public, and so are their files."""
    return await _using(key).filter(session_id__isnull=False).exists()


async def uploaders_of(key: str) -> set[int]:
    """The actors whose own uploads (attached or not) use the file `key`: they may always see it."""
    return set(await _using(key).filter(owner_id__isnull=False).values_list("owner_id", flat=True))


# ---------------------------------------------------------------- files that nothing refers to


async def release_files(keys: Iterable[str], store: FileStore) -> int:
    """Delete each file no attachment refers to any more (rows are the reference count); returns how many."""
    deleted = 0
    for key in dict.fromkeys(keys):

        async def still_used(key: str = key) -> bool:
            return await _using(key).exists()

        if not await still_used() and await store.remove_unless(key, still_used):
            deleted += 1
    return deleted


def file_address(item: MediaAttachment, base_url: str) -> str | None:
    """Where a reader fetches an attachment: our copy under /media/, else the address of a remote file we did
    not keep (a video, a link to a page, a picture not fetched yet); None when there is neither."""
    return f"{base_url}/media/{item.file_key}" if item.file_key else item.remote_url


def files_of(rows: Iterable[MediaAttachment]) -> list[str]:
    """The keys of the files these attachments name (original and small version)."""
    return [key for row in rows for key in (row.file_key, row.thumbnail_key) if key]
