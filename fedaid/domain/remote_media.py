"""Attachments of posts and events from other servers: kept as rows when the post or the event arrives, their
pictures and documents fetched later (queued work) and served from here, so readers' browsers never contact the
other server.

No network here: `federation/media_worker.py` fetches the bytes and hands them to `store_fetched`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from fedaid.activitypub.attachments import MediaDoc
from fedaid.clock import utcnow
from fedaid.domain import media as local_media
from fedaid.domain import work
from fedaid.filestore import FileStore, key_for
from fedaid.imaging import PDF, UnsupportedMedia, check_pdf, process_image, sniff
from fedaid.models import MediaAttachment, MediaKind, MediaState, WorkKind
from fedaid.models.ids import new_id

log = logging.getLogger("fedaid.remote_media")


def is_cached_here(doc: MediaDoc) -> bool:
    """What we fetch and keep: pictures (decoded and encoded again, like uploads) and PDF documents. Videos,
    sounds and links to pages stay links to their origin."""
    media_type = doc.media_type or ""
    return doc.kind == MediaKind.IMAGE or media_type == PDF or media_type.startswith("image/")


async def record_attachments(target: local_media.Holder, docs: Sequence[MediaDoc]) -> list[MediaAttachment]:
    """Keep the attachments of a remote post or session, in order; pictures and PDFs are queued to be fetched.
    Call it in the transaction that stores the post or the session."""
    rows = []
    holder: dict[str, Any] = local_media.holder_of(target)  # typed for `create`'s keywords
    for position, doc in enumerate(docs):
        cached = is_cached_here(doc)
        row = await MediaAttachment.create(
            id=new_id(),
            **holder,
            position=position,
            is_local=False,
            kind=doc.kind,
            state=MediaState.FETCHING if cached else MediaState.READY,
            content_type=(doc.media_type or "")[:100],
            description=doc.name,
            focus_x=doc.focus[0],
            focus_y=doc.focus[1],
            width=doc.width,
            height=doc.height,
            blurhash=doc.blurhash,
            remote_url=doc.url,
        )
        if cached:
            await work.queue(WorkKind.FETCH_MEDIA, str(row.id))
        rows.append(row)
    return rows


async def replace_attachments(
    target: local_media.Holder, docs: Sequence[MediaDoc], store: FileStore | None = None
) -> None:
    """An edit from the author: keep the rows whose address is unchanged, the others go, new ones come."""
    current = {row.remote_url: row for row in await local_media.media_of(target)}
    wanted = [doc.url for doc in docs]
    if list(current) == wanted:
        return
    gone = [row for url, row in current.items() if url not in wanted]
    keys = [key for row in gone for key in (row.file_key, row.thumbnail_key) if key]
    await MediaAttachment.filter(id__in=[row.id for row in gone]).delete()
    for position, doc in enumerate(docs):
        row = current[doc.url] if doc.url in current else (await record_attachments(target, [doc]))[0]
        await MediaAttachment.filter(id=row.id).update(position=position)
    if store is not None:
        await local_media.release_files(keys, store)


async def get_pending(media_id: str) -> MediaAttachment | None:
    """The remote attachment a FETCH_MEDIA item names, if it still waits for its file."""
    if not media_id.isdigit():
        return None
    return await MediaAttachment.get_or_none(id=int(media_id), is_local=False, state=MediaState.FETCHING)


async def store_fetched(media: MediaAttachment, data: bytes, store: FileStore) -> None:
    """Keep what was fetched: a picture decoded and encoded again (with its `small` version), a PDF as it is.
    Anything else, or a file that is not what it claims, stays a link to its origin."""
    try:
        kind = sniff(data)
        if kind == PDF:
            check_pdf(data)
            media.file_key = key_for(data, PDF)
            media.content_type, media.kind, media.size = PDF, MediaKind.UNKNOWN, len(data)
            media.state, media.fetched_at = MediaState.READY, utcnow()
            await media.save()
            store.put(data, PDF)  # after the row: see fedaid.filestore on the order of writes
            return
        processed = await asyncio.to_thread(process_image, data)
    except UnsupportedMedia as err:
        await give_up(media, str(err))
        return
    await local_media.store_processed(media, processed, store)
    await MediaAttachment.filter(id=media.id).update(fetched_at=utcnow())


async def give_up(media: MediaAttachment, reason: str) -> None:
    """Not fetched: readers get a link to the file on its server."""
    log.info("remote media kept as a link", extra={"media_id": media.id, "reason": reason})
    await MediaAttachment.filter(id=media.id).update(state=MediaState.READY, last_error=reason[:2000])
