"""The queued work around media and threads: process uploads, fetch remote media, fetch reply parents.

    WorkItem(pending) ──► claim (lease) ──► process_upload   (decode and re-encode in a thread)
                                       ├──► fetch_media      (Fetcher.get_media, capped) ──► remote_media.store_fetched
                                       └──► fetch_parent     (InboxWorker.fetch_note) ──► remote_posts.store_remote_note
      done ◄── applied;  pending later ◄── a failure to retry;  failed ◄── the last attempt, or nothing to retry

Every fetch goes through the SSRF-safe fetcher, outside any inbox transaction. Once a minute a pass also
lets go of the attachments of deleted posts, and of each file nothing refers to any more.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timedelta

from fedaid.activitypub.parse import same_origin
from fedaid.clock import utcnow
from fedaid.config import Settings
from fedaid.domain import media, media_cleanup, remote_media, remote_posts, work
from fedaid.errors import FedaidError, Gone, InvalidActivity, NotFound, UnsafeAddress
from fedaid.federation.fetch import Fetcher, RemoteGone, RemoteNotFound, ResponseTooLarge
from fedaid.federation.inbox_worker import InboxWorker
from fedaid.filestore import FileStore
from fedaid.models import MediaAttachment, WorkItem, WorkKind

log = logging.getLogger("fedaid.media_worker")

BATCH_SIZE = 20
CLEANUP_EVERY = 60.0  # seconds between passes over the attachments of deleted posts
# Each pass looks at the posts deleted since the last one began, less this: a deletion stamped before that
# moment may commit after it. The first pass of a process looks at every deleted post.
CLEANUP_OVERLAP = timedelta(minutes=10)
PROCESS_WAIT = 60.0  # seconds a request waits for an upload another worker is processing
ALL_KINDS = (WorkKind.PROCESS_UPLOAD, WorkKind.FETCH_MEDIA, WorkKind.FETCH_PARENT)


class MediaWorker:
    """Drains the WorkItem queue in passes (`run_once`); uploads can also be processed at once (`process_soon`)."""

    def __init__(self, settings: Settings, fetcher: Fetcher, store: FileStore, inbox_worker: InboxWorker) -> None:
        self.settings = settings
        self.fetcher = fetcher
        self.store = store
        self.inbox_worker = inbox_worker
        self._tasks: set[asyncio.Task[int]] = set()
        self._last_cleanup = 0.0
        self._cleaned_until: datetime | None = None

    async def run_once(self, kinds: tuple[WorkKind, ...] = ALL_KINDS) -> int:
        """Claim and do up to BATCH_SIZE due items; returns how many were claimed."""
        items = await work.claim(kinds, BATCH_SIZE)
        for item in items:
            await self._do(item)
        if kinds == ALL_KINDS and time.monotonic() - self._last_cleanup > CLEANUP_EVERY:
            self._last_cleanup, started = time.monotonic(), utcnow()
            await media_cleanup.forget_media_of_deleted_posts(self.store, deleted_since=self._cleaned_until)
            self._cleaned_until = started - CLEANUP_OVERLAP
        return len(items)

    def process_soon(self) -> None:
        """Process waiting uploads now, in the background, instead of at the worker's next pass."""
        task = asyncio.create_task(self.run_once((WorkKind.PROCESS_UPLOAD,)))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def process_now(self, upload: MediaAttachment) -> None:
        """Process one upload before answering (the v1 endpoint, the web forms). When a worker took it first
        (a v2 upload's background pass claims every waiting upload), wait for its result instead: processing
        the same file twice let the first to finish delete the raw file the second was about to read."""
        item = await work.take(WorkKind.PROCESS_UPLOAD, str(upload.id))
        if item is None:
            await media.wait_until_processed(upload, PROCESS_WAIT)
            return
        await self._do(item)

    async def close(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _do(self, item: WorkItem) -> None:
        try:
            match item.kind:
                case WorkKind.PROCESS_UPLOAD:
                    await self._process_upload(item.target)
                case WorkKind.FETCH_MEDIA:
                    await self._fetch_media(item)
                case WorkKind.FETCH_PARENT:
                    await self._fetch_parent(item)
        except (RemoteGone, RemoteNotFound, NotFound, Gone, InvalidActivity) as err:
            await work.fail(item, f"{err.__class__.__name__}: {err}", retry=False)
            return
        except FedaidError as err:
            await self._retry(item, f"{err.__class__.__name__}: {err}")
            return
        except Exception as err:  # the worker's loop boundary: keep the error on the row for inspection
            log.exception("work item failed", extra={"kind": item.kind, "target": item.target})
            await self._retry(item, f"{err.__class__.__name__}: {err}")
            return
        await work.finish(item)

    async def _retry(self, item: WorkItem, error: str) -> None:
        if await work.fail(item, error, retry=True) and item.kind == WorkKind.FETCH_MEDIA:
            pending = await remote_media.get_pending(item.target)
            if pending is not None:
                await remote_media.give_up(pending, error)

    async def _process_upload(self, media_id: str) -> None:
        upload = await media.find_media(media_id)
        if upload is not None:
            await media.process_upload(upload, self.store)

    async def _fetch_media(self, item: WorkItem) -> None:
        pending = await remote_media.get_pending(item.target)
        if pending is None or pending.remote_url is None:
            return
        try:
            _, data = await self.fetcher.get_media(pending.remote_url, max_bytes=self.settings.remote_media_max_bytes)
        except (RemoteGone, RemoteNotFound, ResponseTooLarge, UnsafeAddress) as err:
            await remote_media.give_up(pending, str(err))  # it will not get better: readers get the link
            return
        await remote_media.store_fetched(pending, data, self.store)

    async def _fetch_parent(self, item: WorkItem) -> None:
        """The post a reply answers, fetched from its origin and kept (asking for its own parent in turn)."""
        if await remote_posts.find_post(item.target) is not None:
            return
        note, author = await self.inbox_worker.fetch_note(item.target)
        if not same_origin(note.ap_id, author.ap_id):
            raise InvalidActivity("the fetched post and its author are on different servers")
        await remote_posts.store_remote_note(
            note,
            author,
            visibility=await remote_posts.visibility_for(note),
            outside_proposals=self.settings.outside_proposals,
            thread_depth=item.depth,
            max_thread_depth=self.settings.thread_fetch_depth,
        )
