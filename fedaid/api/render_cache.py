"""Rendered statuses and accounts kept in the process for a few seconds (`api/views.py` renders them).

An entry is fresh for `ttl` seconds. For one more `ttl` it is still served, and noted as lapsed; after the
request, one background task renders up to REFRESH_BATCH lapsed entries again, and the next request starts the
next batch. So when a whole page's entries lapse together, no request waits for their rendering (that wait was
the timelines' p99 tail every `ttl`), and counts lag by at most two `ttl`. An edit or a deletion changes an
entry's stamp: it is rendered again at once.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

# Entries one background task renders again. All the statuses a busy minute showed lapse together; rendered in
# one task, they held the event loop for a third of a second while requests waited (the timelines' p99).
REFRESH_BATCH = 100


class RenderCache:
    """Rendered entities by key, least recently used out first; one per instance (app)."""

    def __init__(self, *, ttl: float = 5.0, size: int = 20_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.size, self.clock = ttl, size, clock
        self._entries: OrderedDict[Any, tuple[float, Any, Any]] = OrderedDict()
        self._lapsed: set[Any] = set()
        self._refreshing: asyncio.Task[None] | None = None
        # When entries missing from the cache are asked for by many requests at once, these locks make the
        # first render them while the others wait and then read the cache (no stampede of renderings).
        self.rendering_statuses = asyncio.Lock()
        self.rendering_accounts = asyncio.Lock()

    def get(self, key: Any, stamp: Any = None) -> Any | None:
        """The entry under `key` rendered at `stamp`, fresh or lapsed less than `ttl` ago; else None."""
        entry = self._entries.get(key)
        if entry is None or entry[1] != stamp:
            return None
        now = self.clock()
        if entry[0] < now:
            if entry[0] + self.ttl < now:
                return None
            self._lapsed.add(key)
        self._entries.move_to_end(key)
        return entry[2]

    def put(self, key: Any, value: Any, stamp: Any = None, *, ttl: float | None = None) -> None:
        self._entries[key] = (self.clock() + (self.ttl if ttl is None else ttl), stamp, value)
        self._entries.move_to_end(key)
        self._lapsed.discard(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def forget(self, key: Any) -> None:
        self._entries.pop(key, None)

    def refresh_lapsed(self, render_again: Callable[[list[Any]], Coroutine[Any, Any, None]]) -> None:
        """Have `render_again` put up to REFRESH_BATCH lapsed entries' keys back, in one background task at a
        time (the next request starts the next batch)."""
        if not self._lapsed or (self._refreshing is not None and not self._refreshing.done()):
            return
        keys = list(itertools.islice(self._lapsed, REFRESH_BATCH))
        self._lapsed.difference_update(keys)
        self._refreshing = asyncio.create_task(render_again(keys))
        self._refreshing.add_done_callback(_log_failure)

    async def close(self) -> None:
        """Stop a refresh under way (on shutdown)."""
        if self._refreshing is not None and not self._refreshing.done():
            self._refreshing.cancel()
            await asyncio.gather(self._refreshing, return_exceptions=True)


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("rendering lapsed entries again failed", exc_info=task.exception())


RENDER_CACHE = web.AppKey("render_cache", RenderCache)
