"""Apply stored inbox activities: claim due `InboxItem` rows, apply each by type, record the outcome.

    InboxItem(pending) ──► claim a batch (FOR UPDATE SKIP LOCKED on PostgreSQL, lease) ──► apply(item)
                                                                                           │ match type
      done ◄── applied, or acknowledged and ignored (unknown types, unrelated objects) ◄────┤
      failed ◄── InvalidActivity, or the last of MAX_ATTEMPTS failures ◄───────────────────┤
      pending, next_attempt_at later, last_error kept ◄── any other failure ◄──────────────┘

The worker only dispatches: `activitypub.parse.inbound.read_activity` reads the activity once into a
typed message, and one `match` (`inbox_dispatch.dispatch`) hands it to one domain `receive_*` function,
which decides and writes. A batch's plain posts (`domain.plain_posts`: most of a burst) are stored together
in a few statements first; the other items are applied one at a time.
Those functions are idempotent (an item applied twice changes nothing the second time) and reach other
servers only through the `Remote` the worker passes in. See docs/architecture.md.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from fedaid.activitypub.parse import Activity, JSONDict, NoteDoc, as_list, id_of, parse_activity, parse_note
from fedaid.activitypub.parse import inbound as msg
from fedaid.activitypub.questions import parse_vote
from fedaid.activitypub.vocab import ActivityType
from fedaid.clock import utcnow
from fedaid.config import Settings
from fedaid.domain import follows, plain_posts, proposals, remote_accounts
from fedaid.domain.inbound import Incoming
from fedaid.domain.plain_posts import PlainPost
from fedaid.domain.policy import DomainPolicies
from fedaid.errors import FedaidError, FetchError, Gone, InvalidActivity, NotFound
from fedaid.federation.demand_activities import apply_demand_activity
from fedaid.federation.fetch import Fetcher, RemoteGone, RemoteNotFound
from fedaid.federation.inbox_dispatch import dispatch
from fedaid.federation.remote_actors import RemoteActors
from fedaid.hosts import host_of_url
from fedaid.models import Actor, InboxItem, InboxState
from fedaid.storage.availability import is_lock_conflict
from fedaid.storage.claims import claim_due, settle
from fedaid.storage.postgres_engine import plan_for_these_values

log = logging.getLogger("fedaid.inbox_worker")

MAX_ATTEMPTS = 5
BATCH_SIZE = 200
PASSES_AT_ONCE_ON_POSTGRES = 2
LEASE = timedelta(minutes=5)
ACTOR_CACHE_SECONDS = 60.0
ACTOR_CACHE_SIZE = 10_000
PLAIN_BATCH_ATTEMPTS = 3
# What the worker reads of a claimed item: converting the four timestamps of each row too cost 7% of its time.
CLAIMED_FIELDS = ("id", "actor_ap_id", "activity_id", "attempts", "payload")
TRANSACTION_BUDGET = 0.05  # seconds of applying per transaction (web requests share a SQLite connection)


def retry_delay(attempt: int) -> timedelta:
    """30 s, 2 min, 8 min, 32 min...: a peer that was down gets a few chances within the hour."""
    return timedelta(seconds=30 * 4 ** (attempt - 1))


class InboxWorker:
    """Applies due inbox items in passes (`run_once`); several workers can share one queue."""

    def __init__(
        self,
        settings: Settings,
        remote_actors: RemoteActors,
        fetcher: Fetcher,
        policies: DomainPolicies,
        *,
        batch_size: int = BATCH_SIZE,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.settings = settings
        self.remote_actors = remote_actors
        self.fetcher = fetcher
        self.policies = policies
        self._batch_size = batch_size
        self._passes_at_once = 1 if settings.is_sqlite else PASSES_AT_ONCE_ON_POSTGRES
        self._clock = clock
        self._actors: dict[str, Actor] = {}  # the actors met lately (a burst often comes from few)
        self._actors_since = time.monotonic()

    async def run_once(self) -> int:
        """Run `passes_at_once` passes side by side; returns how many items they claimed.

        On PostgreSQL two passes overlap: one parses its batch while the other waits for the database (each
        claims its own rows, skipping the other's locks). SQLite runs one: its transactions take turns anyway.
        """
        claimed = await asyncio.gather(*(self._run_pass() for _ in range(self._passes_at_once)))
        return sum(claimed)

    async def _run_pass(self) -> int:
        """Claim and apply up to `batch_size` due items; returns how many were claimed.

        The authors are loaded first (fetched from their servers when new), outside any transaction. Items
        are then applied in a few transactions, each closed after `TRANSACTION_BUDGET` so that a web request
        sharing the SQLite connection never waits long, with a savepoint per item so that one failure undoes
        only that item. An item that would reach another server (a post given by id only, a boost of a post
        we lack, an actor's new profile) is set aside and applied alone after the batch commits.
        """
        items = await self._claim(self._clock())
        if not items:
            return 0
        self._forget_old_actors()
        collective = await proposals.default_collective()
        _PASS.set(
            _Pass(
                collective_ap_id=collective.ap_id if collective is not None else None,
                followed_senders=await follows.followed_here_among(item.actor_ap_id for item in items),
            )
        )
        await self._load_authors(items)
        plain, pending = await self._split_plain_posts(items)
        if plain and not await self._keep_plain_posts(plain):
            pending = list(items)  # one at a time after all, each with its own outcome
        done: list[int] = []
        waiting_for_network: list[InboxItem] = []
        while pending:
            async with in_transaction():
                _this_pass().offline = True
                try:
                    started = time.monotonic()
                    while pending and time.monotonic() - started < TRANSACTION_BUDGET:
                        item = pending.pop(0)
                        outcome = await self._process_in_batch(item)
                        if outcome is None:
                            waiting_for_network.append(item)
                        elif outcome:
                            done.append(item.id)
                    await self._mark_done(done)
                    done = []
                finally:
                    _this_pass().offline = False
        for item in waiting_for_network:
            if await self._process(item):
                done.append(item.id)
        await self._mark_done(done)
        return len(items)

    def _forget_old_actors(self) -> None:
        """Actors stay cached across passes for `ACTOR_CACHE_SECONDS` (an Update or Delete of one drops it)."""
        now = time.monotonic()
        if now - self._actors_since > ACTOR_CACHE_SECONDS or len(self._actors) > ACTOR_CACHE_SIZE:
            self._actors, self._actors_since = {}, now

    async def _mark_done(self, ids: list[int]) -> None:
        done = {"state": InboxState.DONE.value, "processed_at": self._clock(), "claimed_until": None, "last_error": ""}
        await settle(InboxItem, ids, done)

    async def _load_authors(self, items: list[InboxItem]) -> None:
        """Each item's actor into this pass's cache, before any transaction opens (a new one is fetched)."""
        for ap_id in dict.fromkeys(item.actor_ap_id for item in items):
            if await self.policies.is_blocked(host_of_url(ap_id)):
                continue
            try:
                await self.actor(ap_id)
            except FedaidError:
                continue  # its item meets the same error when applied alone, and records it

    async def _split_plain_posts(self, items: list[InboxItem]) -> tuple[list[tuple[int, PlainPost]], list[InboxItem]]:
        """The items that carry a plain post (`domain.plain_posts`), and the others, in their order."""
        senders = (self._actors.get(item.actor_ap_id) for item in items)
        suspended = await remote_accounts.suspended_among(actor.id for actor in senders if actor is not None)
        plain: list[tuple[int, PlainPost]] = []
        others: list[InboxItem] = []
        for item in items:
            found = await self._plain_post(item.payload, suspended)
            if found is None:
                others.append(item)
            else:
                plain.append((item.id, found))
        return plain, others

    async def _plain_post(self, payload: JSONDict, suspended: frozenset[int]) -> PlainPost | None:
        """The plain post a Create carries, when `apply` would do nothing but store it (else None)."""
        try:
            activity = parse_activity(payload)
            actor = self._actors.get(activity.actor_ap_id)
            if activity.type != ActivityType.CREATE or actor is None or actor.id in suspended:
                return None
            if await self.policies.is_blocked(host_of_url(actor.ap_id)) or parse_vote(activity) is not None:
                return None
            received = msg.read_activity(activity, followers_url=actor.followers_url)
        except InvalidActivity:
            return None  # applied alone, where its failure is recorded
        if not isinstance(received, msg.PostCreated):
            return None
        return plain_posts.plain_post(self._incoming(actor), received)

    async def _keep_plain_posts(self, plain: list[tuple[int, PlainPost]]) -> bool:
        """Store the batch's plain posts and mark their items done, in one transaction; False when that fails
        (then nothing of it is kept). Another worker taking one of the new ids or a lock first is tried again
        (new ids are drawn, and posts it stored meanwhile are skipped) before giving up."""
        for attempt in range(1, PLAIN_BATCH_ATTEMPTS + 1):
            try:
                async with in_transaction() as connection:
                    await plan_for_these_values(connection)
                    await plain_posts.keep_plain_posts([post for _, post in plain])
                    await self._mark_done([item_id for item_id, _ in plain])
                return True
            except Exception as err:  # the batch's boundary: each item then meets its own outcome alone
                if attempt < PLAIN_BATCH_ATTEMPTS and (isinstance(err, IntegrityError) or is_lock_conflict(err)):
                    continue
                log.info("plain posts applied one at a time", extra={"items": len(plain), "error": repr(err)[:200]})
                return False
        return False

    async def _claim(self, now: datetime) -> list[InboxItem]:
        due = InboxItem.filter(state=InboxState.PENDING, next_attempt_at__lte=now).only(*CLAIMED_FIELDS)
        return await claim_due(due, now, LEASE, self._batch_size)

    async def _process_in_batch(self, item: InboxItem) -> bool | None:
        """Apply one item within the batch's transaction, under a savepoint; None when it needs the network."""
        try:
            async with in_transaction():
                await self.apply(item.payload)
            return True
        except NeedsNetwork:
            return None
        except Exception as err:
            if is_lock_conflict(err):
                return None  # another worker's batch holds what it needs: applied alone after this batch
            return await self._record_failure(item, err)

    async def _process(self, item: InboxItem) -> bool:
        """Apply one item on its own; True when done, else its failure is recorded on the row."""
        try:
            await self.apply(item.payload)
            return True
        except Exception as err:
            return await self._record_failure(item, err)

    async def _record_failure(self, item: InboxItem, err: Exception) -> bool:
        if isinstance(err, InvalidActivity):
            await self._give_up(item, f"invalid: {err}")
        elif isinstance(err, FedaidError):
            await self._retry(item, f"{err.__class__.__name__}: {err}")
        else:  # the worker's loop boundary: keep the error on the row for inspection
            log.error("inbox item failed", exc_info=err, extra={"activity_id": item.activity_id})
            await self._retry(item, f"{err.__class__.__name__}: {err}")
        return False

    async def _retry(self, item: InboxItem, error: str) -> None:
        attempts = item.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            await self._give_up(item, error, attempts)
            return
        log.info("inbox item will be retried", extra={"activity_id": item.activity_id, "error": error})
        await InboxItem.filter(id=item.id).update(
            attempts=attempts,
            last_error=error[:2000],
            claimed_until=None,
            next_attempt_at=self._clock() + retry_delay(attempts),
        )

    async def _give_up(self, item: InboxItem, error: str, attempts: int | None = None) -> None:
        log.info("inbox item failed for good", extra={"activity_id": item.activity_id, "error": error})
        await InboxItem.filter(id=item.id).update(
            state=InboxState.FAILED,
            attempts=attempts or item.attempts + 1,
            last_error=error[:2000],
            claimed_until=None,
            processed_at=self._clock(),
        )

    # --- dispatch ------------------------------------------------------------------------------

    async def apply(self, payload: JSONDict | Activity, *, via_group: Actor | None = None) -> None:
        """Apply one activity (already verified by the inbox, or by its origin when a Group announced it)."""
        activity = payload if isinstance(payload, Activity) else parse_activity(payload)
        if await self.policies.is_blocked(host_of_url(activity.actor_ap_id)):
            return  # blocked after it was received: nothing of theirs is kept
        if msg.deletes_itself(activity):
            self._actors.pop(activity.actor_ap_id, None)
            # Never fetch an actor that says it is gone: its server answers 410 (Mastodon's Delete handler
            # does the same, ActivityPub::Activity::Delete#delete_person).
            await remote_accounts.receive_actor_deleted(activity.actor_ap_id)
            return
        try:
            actor = await self.actor(activity.actor_ap_id)
        except (Gone, NotFound):
            return  # its actor is gone: nothing to apply any more
        if await remote_accounts.is_suspended(actor):
            return  # a moderator suspended this account: nothing of it is kept
        if await apply_demand_activity(actor, activity):
            return  # a vote, its withdrawal, or a collective co-signing a demand
        received = msg.read_activity(activity, followers_url=actor.followers_url)
        await dispatch(self._incoming(actor, via_group), received)

    def _incoming(self, actor: Actor, via_group: Actor | None = None) -> Incoming:
        """What applying an activity of `actor` may use, in this pass."""
        return Incoming(
            actor,
            _WorkerRemote(self),
            self.policies,
            federation_mode=self.settings.federation_mode,
            outside_proposals=self.settings.outside_proposals,
            collective_ap_id=_this_pass().collective_ap_id,
            followed_senders=_this_pass().followed_senders,
            thread_fetch_depth=self.settings.thread_fetch_depth,
            via_group=via_group,
        )

    async def actor(self, ap_id: str) -> Actor:
        """A remote actor, from this pass's cache, the database, or its server."""
        actor = self._actors.get(ap_id)
        if actor is None:
            self._online()
            actor = self._actors[ap_id] = await self.remote_actors.get_actor(ap_id)
        return actor

    async def refresh_actor(self, ap_id: str) -> Actor:
        """A remote actor as its server serves it now (after an Update of it)."""
        self._online()
        self._actors.pop(ap_id, None)
        actor = self._actors[ap_id] = await self.remote_actors.get_actor(ap_id, refresh=True)
        return actor

    async def fetch_note(self, ap_id: str, author: Actor | None = None) -> tuple[NoteDoc, Actor]:
        """A post as its origin serves it, and its author (fetched when needed)."""
        doc = await self.get_json(ap_id)
        author_id = msg.attributed_to(doc)
        author = author if author is not None and author.ap_id == author_id else await self.actor(author_id or "")
        return parse_note(doc, followers_url=author.followers_url), author

    async def get_json(self, url: str) -> JSONDict:
        """A document from another server (never within a batch's transaction)."""
        self._online()
        return await self.fetcher.get_json(url)

    def _online(self) -> None:
        if _this_pass().offline:
            raise NeedsNetwork


@dataclass
class _Pass:
    """What one pass looked up once for its whole batch; per task, since passes may run side by side."""

    collective_ap_id: str | None = None
    followed_senders: frozenset[str] = frozenset()
    offline: bool = False  # inside a batch's transaction: nothing may wait on another server


_PASS: ContextVar[_Pass | None] = ContextVar("inbox_pass", default=None)


def _this_pass() -> _Pass:
    """The pass this task runs (an activity applied outside any pass gets a fresh, empty one)."""
    return _PASS.get() or _Pass()


class NeedsNetwork(Exception):
    """Applying this item would wait on another server: it is applied alone, outside the batch's transaction."""


class _WorkerRemote:
    """The network as the domain sees it while applying one activity (`domain.inbound.Remote`)."""

    def __init__(self, worker: InboxWorker) -> None:
        self._worker = worker

    async def actor(self, ap_id: str) -> Actor:
        return await self._worker.actor(ap_id)

    async def refresh_actor(self, ap_id: str) -> Actor:
        return await self._worker.refresh_actor(ap_id)

    async def fetch_note(self, ap_id: str, author: Actor | None = None) -> tuple[NoteDoc, Actor]:
        return await self._worker.fetch_note(ap_id, author)

    async def is_gone(self, ap_id: str) -> bool:
        try:
            await self._worker.get_json(ap_id)
        except (RemoteGone, RemoteNotFound):
            return True
        return False

    async def also_known_as(self, ap_id: str) -> tuple[str, ...]:
        try:
            doc = await self._worker.get_json(ap_id)
        except (FetchError, NotFound, Gone) as err:
            raise FetchError(f"The account {ap_id} cannot be fetched: {err}") from err
        return tuple(ref for ref in (id_of(alias) for alias in as_list(doc.get("alsoKnownAs"))) if ref)

    async def apply(self, activity: Activity, *, via_group: Actor) -> None:
        await self._worker.apply(activity, via_group=via_group)
