"""The aiohttp application keys, in one place so handlers need not import `app.py`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from fedaid.config import Settings
from fedaid.db import Database
from fedaid.domain.instance import UsageCache

if TYPE_CHECKING:
    from fedaid.federation.fetch import Fetcher
    from fedaid.federation.media_worker import MediaWorker
    from fedaid.federation.remote_actors import RemoteActors
    from fedaid.filestore import FileStore
    from fedaid.web.sessions import PageRoutes

SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
FETCHER: web.AppKey[Fetcher] = web.AppKey("fetcher")
REMOTE_ACTORS: web.AppKey[RemoteActors] = web.AppKey("remote_actors")
PAGE_ROUTES: web.AppKey[PageRoutes] = web.AppKey("page_routes")
MEDIA_FILES: web.AppKey[FileStore] = web.AppKey("media_files")
MEDIA_WORKER: web.AppKey[MediaWorker] = web.AppKey("media_worker")
USAGE = web.AppKey("usage", UsageCache)  # NodeInfo's and the client API's counts
VAPID_PUBLIC_KEY = web.AppKey("vapid_public_key", str)  # what Mastodon apps subscribe to pushes with
