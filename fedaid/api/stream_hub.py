"""Streaming: server-sent events and the WebSocket form, fed by an in-process hub that polls the database.

```
 any process writes Post / Notification / Reblog rows ──► database
                                                   │  every POLL_INTERVAL, while someone listens:
 StreamHub (one per web process) ◄─────────────────┘  rows created (or deleted) since the last look
   └─► Subscription queues (user, public[:local|:remote], hashtag[:local], user:notification)
         └─► SSE responses  /  WebSocket messages
```
Polling the shared database, not in-process hooks, so a post written by another web process or by a
worker (a remote post arriving) reaches listeners of every process. Rows are re-read with a small overlap
(LAG) and de-duplicated by id, so a transaction that commits late is not missed.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiohttp import web

from fedaid.api.entities import render_reblog_status
from fedaid.api.render_cache import RENDER_CACHE, RenderCache
from fedaid.api.views import Presenter
from fedaid.appkeys import DATABASE, SETTINGS
from fedaid.clock import utcnow
from fedaid.config import Settings
from fedaid.domain import news, oauth
from fedaid.domain.follow_lists import accepted_follow_pairs
from fedaid.domain.notifications import those_their_recipients_see
from fedaid.domain.policy import silenced_domains
from fedaid.domain.post_details import tags_of_posts
from fedaid.domain.timelines import belongs_at_home
from fedaid.domain.visibility import local_viewer
from fedaid.hosts import domain_names
from fedaid.models import Actor, Notification, Post, Reblog, Visibility

log = logging.getLogger("fedaid.streaming")

POLL_INTERVAL = 0.25
LAG = timedelta(seconds=5)
HEARTBEAT_SECONDS = 15.0
QUEUE_SIZE = 500
USER_STREAMS = ("user", "user:notification")
REVOKED = "revoked"  # the payload of the close event that ends a stream whose token no longer holds


@dataclass(frozen=True)
class Event:
    name: str  # update | notification | delete
    payload: str  # JSON text (or a bare id for delete), as Mastodon sends it
    stream: tuple[str, ...] = ()


@dataclass(eq=False)
class Subscription:
    stream: str
    viewer: Actor | None
    tag: str | None = None
    token_id: int | None = None  # the token it was opened with: the stream ends once it is revoked
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))

    @property
    def names(self) -> tuple[str, ...]:
        return (self.stream, self.tag) if self.tag else (self.stream,)

    def push(self, event: Event) -> None:
        try:
            self.queue.put_nowait(Event(event.name, event.payload, self.names))
        except asyncio.QueueFull:
            log.info("a streaming client is too slow; dropping an event", extra={"stream": self.stream})


class StreamHub:
    """Fans new posts and notifications out to the subscriptions of this process."""

    def __init__(
        self,
        settings: Settings,
        *,
        interval: float = POLL_INTERVAL,
        heartbeat: float = HEARTBEAT_SECONDS,
        cache: RenderCache | None = None,
    ) -> None:
        self.settings = settings
        self.cache = cache
        self.interval = interval
        self.heartbeat = heartbeat  # seconds between `:thump` comments on idle event streams
        self.subscriptions: set[Subscription] = set()
        self._since: datetime = utcnow()
        self._seen: dict[tuple[str, int], datetime] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._closed = False

    def start(self) -> None:
        """Start polling; call it where the instance's database is active (the task inherits it)."""
        self._task = asyncio.create_task(self._run())

    async def close(self) -> None:
        self._closed = True
        for subscription in list(self.subscriptions):
            subscription.push(Event("close", ""))
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    def subscribe(
        self, stream: str, viewer: Actor | None, tag: str | None = None, *, token_id: int | None = None
    ) -> Subscription:
        subscription = Subscription(stream, viewer, tag, token_id=token_id)
        if not self.subscriptions:
            self._since = utcnow()  # nobody listened: start from now, not from the last poll
        self.subscriptions.add(subscription)
        self._wake.set()
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self.subscriptions.discard(subscription)

    async def _run(self) -> None:
        while not self._closed:
            if not self.subscriptions:
                self._wake.clear()
                await self._wake.wait()
                continue
            try:
                await self.poll()
            except Exception:  # the loop boundary: one failed poll must not end streaming
                log.exception("streaming poll failed")
            await asyncio.sleep(self.interval)

    async def poll(self) -> None:
        """One look at the database: streams whose token was revoked end, then new posts, deleted posts and new
        notifications since the last look go out."""
        await self._end_revoked()
        now = utcnow()
        since = self._since - LAG
        posts = [post for post in await news.posts_published_since(since) if self._first_time("post", post.id, now)]
        deleted = [
            post_id for post_id in await news.posts_deleted_since(since) if self._first_time("delete", post_id, now)
        ]
        notifications = [
            row for row in await news.notifications_since(since) if self._first_time("notification", row.id, now)
        ]
        boosts = [row for row in await self._boosts_since(since) if self._first_time("reblog", row.id, now)]
        self._since = now
        self._seen = {key: at for key, at in self._seen.items() if at > now - 3 * LAG}
        if posts:
            await self._dispatch_posts(posts)
        for post_id in deleted:
            for subscription in list(self.subscriptions):
                if subscription.stream != "user:notification":
                    subscription.push(Event("delete", str(post_id)))
        if notifications:
            await self._dispatch_notifications(notifications)
        if boosts:
            await self._dispatch_boosts(boosts)

    async def _end_revoked(self) -> None:
        """End the subscriptions whose token was revoked or expired, or whose member was suspended or left."""
        tokens = {s.token_id for s in self.subscriptions if s.token_id is not None}
        if not tokens:
            return
        live = await oauth.live_token_ids(tokens)
        for subscription in list(self.subscriptions):
            # A stream opened while the tokens were read is judged at the next poll, not ended as revoked.
            if subscription.token_id in tokens and subscription.token_id not in live:
                self.unsubscribe(subscription)
                subscription.push(Event("close", REVOKED))

    async def _boosts_since(self, since: datetime) -> list[Reblog]:
        """Boosts made since `since`, only while someone listens to a user stream."""
        if not any(s.stream == "user" for s in self.subscriptions):
            return []
        return await news.boosts_since(since)

    async def _dispatch_boosts(self, boosts: list[Reblog]) -> None:
        """A boost goes to the user streams of the booster and their followers, as it shows in home timelines
        (not to those who already follow the boosted post's author)."""
        listening = {s.viewer.id for s in self.subscriptions if s.stream == "user" and s.viewer is not None}
        ids = sorted({boost.actor_id for boost in boosts} | {boost.post.author_id for boost in boosts})
        follows = await accepted_follow_pairs(listening, ids)
        view = Presenter(self.settings, cache=self.cache)
        originals = await view.statuses([boost.post for boost in boosts])
        boosters = await view.accounts_by_id(boost.actor_id for boost in boosts)
        for boost, original in zip(boosts, originals, strict=True):
            event = Event(
                "update",
                json.dumps(render_reblog_status(boost, original, boosters[boost.actor_id]), ensure_ascii=False),
            )
            for subscription in list(self.subscriptions):
                if subscription.stream != "user" or subscription.viewer is None:
                    continue
                viewer_id = subscription.viewer.id
                sees_booster = viewer_id == boost.actor_id or (viewer_id, boost.actor_id) in follows
                sees_author = viewer_id == boost.post.author_id or (viewer_id, boost.post.author_id) in follows
                if sees_booster and not sees_author:
                    subscription.push(event)

    def _first_time(self, kind: str, row_id: int, now: datetime) -> bool:
        if (kind, row_id) in self._seen:
            return False
        self._seen[(kind, row_id)] = now
        return True

    async def _dispatch_posts(self, posts: list[Post]) -> None:
        rendered = await Presenter(self.settings, cache=self.cache).statuses(posts)
        tags = {post_id: set(names) for post_id, names in (await tags_of_posts([p.id for p in posts])).items()}
        viewers = {s.viewer.id for s in self.subscriptions if s.stream == "user" and s.viewer is not None}
        follows: set[tuple[int, int]] = set()
        if viewers:
            follows = await accepted_follow_pairs(viewers, {p.author_id for p in posts})
        silenced = await silenced_domains() if any(not post.is_local for post in posts) else frozenset()
        for post, status in zip(posts, rendered, strict=True):
            event = Event("update", json.dumps(status, ensure_ascii=False))
            is_silenced = not post.is_local and not silenced.isdisjoint(domain_names(post.author.domain))
            for subscription in list(self.subscriptions):
                if _wants(subscription, post, tags.get(post.id, set()), follows, is_silenced=is_silenced):
                    subscription.push(event)

    async def _dispatch_notifications(self, rows: list[Notification]) -> None:
        listening = {s.viewer.id for s in self.subscriptions if s.stream in USER_STREAMS and s.viewer is not None}
        rows = await those_their_recipients_see([row for row in rows if row.recipient_id in listening])
        if not rows:
            return
        rendered_rows = await Presenter(self.settings, cache=self.cache).notifications(rows)
        for row, rendered in zip(rows, rendered_rows, strict=True):
            event = Event("notification", json.dumps(rendered, ensure_ascii=False))
            for subscription in list(self.subscriptions):
                viewer = subscription.viewer  # a user stream always has one (`streaming` checks the token)
                if subscription.stream in USER_STREAMS and viewer is not None and viewer.id == row.recipient_id:
                    subscription.push(event)


def _wants(
    subscription: Subscription, post: Post, tags: set[str], follows: set[tuple[int, int]], *, is_silenced: bool = False
) -> bool:
    """Whether a new post goes to this subscription (Mastodon's rules for each stream); posts from silenced
    domains reach their authors' followers only."""
    stream, viewer = subscription.stream, subscription.viewer
    if stream == "user":
        follows_author = viewer is not None and (viewer.id, post.author_id) in follows
        return viewer is not None and belongs_at_home(post, local_viewer(viewer), follows_author=follows_author)
    if post.visibility != Visibility.PUBLIC or is_silenced:
        return False
    if stream.endswith(":local") and not post.is_local:
        return False
    if stream == "public:remote" and post.is_local:
        return False
    if stream.startswith("hashtag"):
        return subscription.tag in tags
    return stream.startswith("public")


# --- the hub's life ------------------------------------------------------------------------------

STREAM_HUB = web.AppKey("stream_hub", StreamHub)


async def start_hub(app: web.Application) -> None:
    """The API's in-process state: the render cache (api/views.py) and the stream hub that shares it."""
    app[RENDER_CACHE] = RenderCache()
    hub = StreamHub(app[SETTINGS], cache=app[RENDER_CACHE])
    with app[DATABASE].active():
        hub.start()
    app[STREAM_HUB] = hub


async def stop_hub(app: web.Application) -> None:
    """On shutdown, before connections close: every open stream ends at once."""
    if STREAM_HUB in app:
        await app[STREAM_HUB].close()
    if RENDER_CACHE in app:
        await app[RENDER_CACHE].close()
