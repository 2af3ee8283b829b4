"""Send queued activities: claim due `Delivery` rows, sign them, POST them, record what happened.

    domain/publish.py ──► Delivery(pending) ──► claim a batch ──────────────► per-host slot, breaker
    (same transaction      next_attempt_at       FOR UPDATE SKIP LOCKED (PG)     │
     as the change)                              claimed_until = now + lease     ▼
                                                                 sign (cached key) ──► POST inbox
                                                                                      │ connect 5 s,
      done ◄── 2xx ──────────── next_step(status) ◄───────────────────────────────────┘ total 15 s
      gone ◄── 410 (and the inbox's other rows; its followers are forgotten)
      given_up ◄── other 4xx, 501, refused address, 16th failure, host failing on 7 distinct days
      pending, next_attempt_at = now + retry_delay ◄── no answer, 5xx, 401, 408, 429

What to send, and to whom, was decided by `domain/publish.py`; nothing here reads AS2.
A worker killed mid-batch leaves its claimed rows to be retried after the lease: only those
in flight (or sent and not yet recorded) can arrive twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import aiohttp
from aiohttp.resolver import DefaultResolver
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction
from yarl import URL

from fedaid.domain.retries import MAX_ATTEMPTS, Step, next_step, retry_delay
from fedaid.errors import FedaidError, SignatureError, UnsafeAddress
from fedaid.federation.fetch import (
    GuardedResolver,
    RefusedConnection,
    allow_any_address,
    check_literal_host,
    check_url,
    guarded_socket_factory,
    is_public_address,
)
from fedaid.federation.signatures import body_digest, http_date, request_target_of, sign_post
from fedaid.models import Actor, Delivery, DeliveryState, DomainHealth, Follow
from fedaid.storage.claims import claim_due

log = logging.getLogger("fedaid.delivery")

BREAKER_THRESHOLD = 10  # Mastodon's Stoplight: 10 failures → 60 s cool-off (INTEROP 46)
BREAKER_COOL_OFF = timedelta(seconds=60)
UNAVAILABLE_AFTER_DAYS = 7  # Mastodon's DeliveryFailureTracker::FAILURE_DAYS_THRESHOLD
KEPT_FAILURE_DAYS = 31
DRAIN_BYTES = 64 * 1024  # read this much of an answer so the connection can be reused
PASSES_IN_FLIGHT = 2  # run_forever claims the next batch while the last one finishes
INBOXES_KEPT = 10_000  # checked and parsed inbox URLs kept by a worker
SIGNING_CHUNK = 8  # rows signed per hand-off to a signing thread
CLAIMED_FIELDS = ("id", "sender_id", "inbox", "host", "payload", "attempts")


def utcnow() -> datetime:
    return datetime.now(UTC)


async def mark_domain_alive(host: str) -> None:
    """Forget a host's delivery failures, e.g. when a signed request arrives from it (INTEROP 46)."""
    await DomainHealth.filter(host=host.lower()).update(failure_days=[], is_unavailable=False)


@dataclass
class _Result:
    """One claimed row after this pass: `step` None means it was not attempted and goes back unclaimed."""

    delivery: Delivery
    step: Step | None = None
    status: int | None = None
    error: str = ""
    retry_after: str | None = None
    seconds: float = 0.0


@dataclass(frozen=True)
class _Inbox:
    """An inbox URL checked and parsed once: what the POST goes to and what its signature covers."""

    url: URL
    host: str  # the Host header
    request_target: str  # the path and query, as signed


@dataclass(frozen=True)
class _Signing:
    """What one row's signature needs; `_sign_chunk` turns it into headers in a signing thread."""

    inbox: _Inbox
    body: bytes
    digest: str
    sender: Actor | None


@dataclass(frozen=True)
class _Signed:
    """A row ready to POST."""

    url: URL
    body: bytes
    headers: dict[str, str]


_SignedChunk = asyncio.Future[list[_Signed | FedaidError]]  # a chunk's rows in order, or why each cannot go


@dataclass
class _Breaker:
    """Consecutive failures to one host; open (skip the host) for a while after too many."""

    failures: int = 0
    open_until: datetime | None = None

    def is_open(self, now: datetime) -> bool:
        return self.open_until is not None and now < self.open_until


class _HostSlots:
    """At most `size` POSTs in flight per host, across concurrent passes; idle hosts are forgotten."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._slots: dict[str, tuple[asyncio.Semaphore, int]] = {}

    async def acquire(self, host: str) -> None:
        slot, users = self._slots.get(host) or (asyncio.Semaphore(self._size), 0)
        self._slots[host] = (slot, users + 1)
        try:
            await slot.acquire()
        except BaseException:  # cancelled while waiting: give the place back
            self._leave(host)
            raise

    def release(self, host: str) -> None:
        self._slots[host][0].release()
        self._leave(host)

    def _leave(self, host: str) -> None:
        slot, users = self._slots[host]
        if users == 1:
            del self._slots[host]
        else:
            self._slots[host] = (slot, users - 1)


class DeliveryWorker:
    """Delivers due rows in passes (`run_once`); several workers, in several processes, can share one queue."""

    def __init__(
        self,
        user_agent: str,
        allow_private_addresses: bool,
        *,
        allow_http: bool = False,
        per_host_concurrency: int = 4,
        batch_size: int = 100,
        concurrency: int = 16,
        lease: timedelta = timedelta(seconds=60),
        connect_timeout: float = 5,
        total_timeout: float = 15,
        clock: Callable[[], datetime] = utcnow,
        rng: random.Random | None = None,
        signing_threads: int = 1,
    ) -> None:
        """`signing_threads` > 0 signs in that many threads (RSA releases the GIL), 0 in the event loop."""
        if lease.total_seconds() <= total_timeout:
            raise ValueError("lease must be longer than total_timeout, or a slow POST could be sent twice")
        self._user_agent = user_agent
        self._allowed = allow_any_address if allow_private_addresses else is_public_address
        self._allow_http = allow_http
        self._per_host = per_host_concurrency
        self._batch_size = batch_size
        self._concurrency = concurrency
        self._lease = lease
        self._connect_timeout = connect_timeout
        self._total_timeout = total_timeout
        self._clock = clock
        self._rng = rng or random.Random()
        self._breakers: dict[str, _Breaker] = {}
        self._inboxes: dict[str, _Inbox | UnsafeAddress] = {}  # inbox URL → parsed, or why it is refused
        self._overall = asyncio.Semaphore(concurrency)
        self._host_slots = _HostSlots(per_host_concurrency)
        self._signing_threads = signing_threads
        self._signer: ThreadPoolExecutor | None = None
        self._resolver: GuardedResolver | None = None
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        # The SSRF guard of every fetch, for POSTs too: an inbox URL comes from a remote actor document.
        self._resolver = GuardedResolver(DefaultResolver(), self._allowed)
        connector = aiohttp.TCPConnector(
            resolver=self._resolver, limit=self._concurrency, socket_factory=guarded_socket_factory(self._allowed)
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=self._total_timeout, sock_connect=self._connect_timeout),
            cookie_jar=aiohttp.DummyCookieJar(),
            headers={"User-Agent": self._user_agent},
            trust_env=False,  # no proxy from the environment: it would connect for us, unchecked
        )
        if self._signing_threads:
            self._signer = ThreadPoolExecutor(self._signing_threads, thread_name_prefix="fedaid-sign")

    async def close(self) -> None:
        if self._signer is not None:
            self._signer.shutdown(wait=True)
            self._signer = None
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._resolver is not None:
            await self._resolver.close()
            self._resolver = None

    async def __aenter__(self) -> DeliveryWorker:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def run_forever(self, stop: asyncio.Event, idle_sleep: float = 0.5) -> None:
        """Run passes until `stop` is set: two at a time, so one claims and records while the other sends."""
        await asyncio.gather(*(self._run_passes(stop, idle_sleep) for _ in range(PASSES_IN_FLIGHT)))

    async def _run_passes(self, stop: asyncio.Event, idle_sleep: float) -> None:
        while not stop.is_set():
            try:
                attempted = await self.run_once()
            except Exception:  # the worker's loop boundary: claimed rows come back after their lease
                log.exception("delivery pass failed")
                attempted = 0
            if attempted == 0:
                try:
                    await asyncio.wait_for(stop.wait(), timeout=idle_sleep)
                except TimeoutError:
                    pass

    async def run_once(self) -> int:
        """Claim up to `batch_size` due rows, deliver them concurrently, record the outcomes.

        Returns the number of rows attempted (0 when nothing was due).
        """
        if self._session is None:
            raise RuntimeError("DeliveryWorker.start() must be awaited before delivering")
        rows = await self._claim(self._clock())
        if not rows:
            return 0
        # A POST must not start when its lease could run out before its timeout: another worker could take it.
        deadline = time.monotonic() + self._lease.total_seconds() - self._total_timeout
        results = await self._deliver_all(rows, await _load_senders(rows), deadline)
        now = self._clock()
        await self._record(results, now)
        await _record_health(results, now)
        return sum(1 for result in results if result.step is not None)

    async def _claim(self, now: datetime) -> list[Delivery]:
        """Due, unclaimed rows of hosts whose breaker is closed, leased to this worker in one transaction."""
        skipped = [host for host, breaker in self._breakers.items() if breaker.is_open(now)]
        due = Delivery.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)
        if skipped:
            due = due.exclude(host__in=skipped)
        return await claim_due(
            due.only(*CLAIMED_FIELDS), now, self._lease, self._batch_size, order=("next_attempt_at", "id")
        )

    async def _deliver_all(self, rows: list[Delivery], senders: dict[int, Actor], deadline: float) -> list[_Result]:
        gone: set[str] = set()  # inboxes that answered 410 in this pass: their other rows are not sent
        signatures = self._sign_all(rows, senders)

        async def deliver(row: Delivery, signed: _SignedChunk, position: int) -> _Result:
            with contextlib.suppress(Exception):  # signed before taking a slot, so slots wait on the network only
                await signed  # (a failed chunk is reported by _attempt, for each of its rows)
            # The host slot first, so rows waiting for a busy host do not hold slots others could use.
            await self._host_slots.acquire(row.host)
            try:
                async with self._overall:
                    if row.inbox in gone or self._breaker_is_open(row.host) or time.monotonic() > deadline:
                        return _Result(row)
                    result = await self._attempt(row, signed, position)
            finally:
                self._host_slots.release(row.host)
            self._note_for_breaker(row.host, result.step)
            if result.step is Step.FORGET_RECIPIENT:
                gone.add(row.inbox)
            return result

        return await asyncio.gather(
            *(deliver(row, signatures[index // SIGNING_CHUNK], index % SIGNING_CHUNK) for index, row in enumerate(rows))
        )

    def _sign_all(self, rows: list[Delivery], senders: dict[int, Actor]) -> list[_SignedChunk]:
        """Start signing every row, SIGNING_CHUNK rows per hand-off; one future per chunk.

        Each distinct body is encoded and digested once: a fan-out sends the same body to every inbox.
        """
        bodies: dict[str, tuple[bytes, str]] = {}  # payload → its bytes and Digest
        signings: list[_Signing | UnsafeAddress] = []
        for row in rows:
            inbox = self._inbox(row.inbox)
            if isinstance(inbox, UnsafeAddress):
                signings.append(inbox)
                continue
            body = bodies.get(row.payload)
            if body is None:
                encoded = row.payload.encode("utf-8")
                body = bodies[row.payload] = (encoded, body_digest(encoded))
            signings.append(_Signing(inbox, *body, senders.get(row.sender_id)))
        chunks = [signings[start : start + SIGNING_CHUNK] for start in range(0, len(signings), SIGNING_CHUNK)]
        loop = asyncio.get_running_loop()
        if self._signer is None:
            futures = []
            for chunk in chunks:
                future: _SignedChunk = loop.create_future()
                future.set_result(_sign_chunk(chunk))
                futures.append(future)
            return futures
        return [loop.run_in_executor(self._signer, _sign_chunk, chunk) for chunk in chunks]

    async def _attempt(self, row: Delivery, signed: _SignedChunk, position: int) -> _Result:
        """POST one signed row; every expected failure becomes a result, never an exception."""
        started = time.perf_counter()
        result = _Result(row)
        try:
            ready = (await signed)[position]
            if isinstance(ready, FedaidError):
                raise ready
            result = await self._post(row, ready)
        except UnsafeAddress as err:
            result = _Result(row, Step.GIVE_UP, error=str(err))
        except SignatureError as err:
            result = _Result(row, Step.GIVE_UP, error=f"cannot sign as the sender: {err}")
        except TimeoutError:
            result = _Result(
                row,
                Step.RETRY,
                error=f"no answer in time (connect {self._connect_timeout:g} s, total {self._total_timeout:g} s)",
            )
        except aiohttp.ClientConnectorError as err:
            refused = isinstance(err.os_error, RefusedConnection)
            result = _Result(row, Step.GIVE_UP if refused else Step.RETRY, error=f"cannot connect: {err.os_error}")
        except aiohttp.ClientError as err:
            result = _Result(row, Step.RETRY, error=f"{err.__class__.__name__}: {err}")
        except Exception as err:  # a loop boundary: keep the batch going, record the error on the row
            log.exception("delivery attempt crashed", extra={"delivery_id": row.id, "inbox": row.inbox})
            result = _Result(row, Step.RETRY, error=f"internal error: {err.__class__.__name__}")
        result.seconds = time.perf_counter() - started
        return result

    async def _post(self, row: Delivery, signed: _Signed) -> _Result:
        assert self._session is not None
        async with self._session.post(
            signed.url, data=signed.body, headers=signed.headers, allow_redirects=False
        ) as response:
            await _drain(response)
            status = response.status
            error = "" if 200 <= status < 300 else f"HTTP {status} {response.reason or ''}".strip()
            return _Result(row, next_step(status), status, error, response.headers.get("Retry-After"))

    def _inbox(self, inbox: str) -> _Inbox | UnsafeAddress:
        """The inbox URL parsed, or why we must not POST to it (names are checked when resolved); cached."""
        known = self._inboxes.get(inbox)
        if known is None:
            try:
                check_url(inbox, allow_http=self._allow_http)
                check_literal_host(inbox, self._allowed)  # aiohttp does not send IP literals to the resolver
                known = _Inbox(URL(inbox), *request_target_of(inbox))
            except UnsafeAddress as err:
                known = err
            if len(self._inboxes) >= INBOXES_KEPT:
                self._inboxes.clear()
            self._inboxes[inbox] = known
        return known

    def _breaker_is_open(self, host: str) -> bool:
        breaker = self._breakers.get(host)
        return breaker is not None and breaker.is_open(self._clock())

    def _note_for_breaker(self, host: str, step: Step | None) -> None:
        if step is not Step.RETRY:
            self._breakers.pop(host, None)
            return
        breaker = self._breakers.setdefault(host, _Breaker())
        breaker.failures += 1
        if breaker.failures >= BREAKER_THRESHOLD:
            breaker.open_until = self._clock() + BREAKER_COOL_OFF
            log.warning(
                "host failing, pausing its deliveries",
                extra={"host": host, "failures": breaker.failures, "until": breaker.open_until.isoformat()},
            )

    async def _record(self, results: list[_Result], now: datetime) -> None:
        """Write every outcome of the pass in one transaction: grouped updates for the common cases."""
        done: defaultdict[int, list[int]] = defaultdict(list)
        released: list[int] = []
        forgotten: list[str] = []
        async with in_transaction():
            for result in results:
                row = result.delivery
                match result.step:
                    case None:
                        released.append(row.id)
                    case Step.DONE:
                        done[result.status or 200].append(row.id)
                        _log_outcome(logging.DEBUG, "delivered", result)
                    case Step.FORGET_RECIPIENT:
                        await _finish(row, DeliveryState.GONE, result)
                        forgotten.append(row.inbox)
                    case Step.GIVE_UP:
                        await _finish(row, DeliveryState.GIVEN_UP, result)
                    case Step.RETRY:
                        await self._schedule_retry(row, result, now)
            for status, ids in done.items():
                await Delivery.filter(id__in=ids).update(
                    state=DeliveryState.DONE,
                    delivered_at=now,
                    attempts=F("attempts") + 1,
                    last_status=status,
                    last_error="",
                    claimed_until=None,
                )
            if released:
                await Delivery.filter(id__in=released).update(claimed_until=None)
            for inbox in dict.fromkeys(forgotten):
                await _forget_inbox(inbox)

    async def _schedule_retry(self, row: Delivery, result: _Result, now: datetime) -> None:
        attempts = row.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            result.error = f"{result.error} (gave up after {attempts} attempts)"
            await _finish(row, DeliveryState.GIVEN_UP, result)
            return
        next_at = now + retry_delay(attempts, result.retry_after, now, self._rng)
        await Delivery.filter(id=row.id).update(
            attempts=attempts,
            next_attempt_at=next_at,
            last_status=result.status,
            last_error=result.error,
            claimed_until=None,
        )
        _log_outcome(logging.INFO, "delivery failed, will retry", result, next_attempt_at=next_at.isoformat())


async def _finish(row: Delivery, state: DeliveryState, result: _Result) -> None:
    await Delivery.filter(id=row.id).update(
        state=state, attempts=row.attempts + 1, last_status=result.status, last_error=result.error, claimed_until=None
    )
    level = logging.INFO if state is DeliveryState.GONE else logging.WARNING
    _log_outcome(level, f"delivery {state.value}", result)


async def _forget_inbox(inbox: str) -> None:
    """An inbox answered 410: stop every pending delivery to it and forget the followers behind it (INTEROP 49)."""
    await Delivery.filter(inbox=inbox, state=DeliveryState.PENDING).update(
        state=DeliveryState.GONE, last_error="the inbox answered 410 Gone", claimed_until=None
    )
    follower_ids = await Actor.filter(Q(inbox=inbox) | Q(shared_inbox=inbox), is_local=False).values_list(
        "id", flat=True
    )
    if follower_ids:
        await Follow.filter(follower_id__in=follower_ids).delete()
    log.info("inbox gone, recipient forgotten", extra={"inbox": inbox, "followers": len(follower_ids)})


async def _record_health(results: Iterable[_Result], now: datetime) -> None:
    """Track failing hosts per distinct UTC day; a success clears them (Mastodon's DeliveryFailureTracker)."""
    alive: set[str] = set()
    failed: dict[str, str] = {}
    for result in results:
        if result.step is Step.DONE:
            alive.add(result.delivery.host)
        elif result.step is Step.RETRY:
            failed[result.delivery.host] = result.error
    if alive:
        await DomainHealth.filter(host__in=sorted(alive)).update(
            failure_days=[], is_unavailable=False, last_success_at=now
        )
    for host, error in failed.items():
        if host not in alive:
            await _record_failure_day(host, error, now)


async def _record_failure_day(host: str, error: str, now: datetime) -> None:
    async with in_transaction():
        health, _ = await DomainHealth.get_or_create(host=host)
        days = sorted(set(health.failure_days) | {now.date().isoformat()})[-KEPT_FAILURE_DAYS:]
        health.failure_days = days
        health.last_error = error
        health.last_failure_at = now
        if len(days) >= UNAVAILABLE_AFTER_DAYS and not health.is_unavailable:
            # Mastodon drops deliveries to an unavailable domain, queued or new, until it is alive again.
            health.is_unavailable = True
            dropped = await Delivery.filter(host=host, state=DeliveryState.PENDING).update(
                state=DeliveryState.GIVEN_UP,
                claimed_until=None,
                last_error=f"{host} failed on {len(days)} distinct days and is considered unavailable",
            )
            log.warning(
                "host unavailable, deliveries to it are dropped",
                extra={"host": host, "days": len(days), "dropped": dropped},
            )
        await health.save(update_fields=["failure_days", "last_error", "last_failure_at", "is_unavailable"])


def _sign_chunk(signings: list[_Signing | UnsafeAddress]) -> list[_Signed | FedaidError]:
    """Each row of a chunk signed and ready to POST, or why it cannot be; runs in a signing thread (RSA frees GIL)."""
    date = http_date(utcnow())
    signed: list[_Signed | FedaidError] = []
    for signing in signings:
        if isinstance(signing, UnsafeAddress):
            signed.append(signing)
            continue
        sender = signing.sender
        if sender is None or not sender.private_key_pem or not sender.key_id:
            signed.append(SignatureError("the sender has no key to sign with"))
            continue
        try:
            # Content-Type: application/activity+json (INTEROP 28)
            headers = sign_post(
                signing.inbox.request_target,
                signing.inbox.host,
                signing.digest,
                date,
                key_id=sender.key_id,
                private_key_pem=sender.private_key_pem,
            )
            signed.append(_Signed(signing.inbox.url, signing.body, headers))
        except SignatureError as err:
            signed.append(err)
    return signed


async def _load_senders(rows: Iterable[Delivery]) -> dict[int, Actor]:
    """The signing actors of a pass, loaded once each."""
    ids = sorted({row.sender_id for row in rows})
    return {actor.id: actor for actor in await Actor.filter(id__in=ids)}


async def _drain(response: aiohttp.ClientResponse) -> None:
    """Read (a bounded part of) the answer, which we do not use, so the connection can be kept alive."""
    remaining = DRAIN_BYTES
    while remaining > 0:
        chunk = await response.content.read(remaining)
        if not chunk:
            return
        remaining -= len(chunk)


def _log_outcome(level: int, message: str, result: _Result, **fields: object) -> None:
    if not log.isEnabledFor(level):
        return
    row = result.delivery
    log.log(
        level,
        message,
        extra={
            "delivery_id": row.id,
            "inbox": row.inbox,
            "status": result.status,
            "error": result.error,
            "attempt": row.attempts + 1,
            "duration_ms": round(result.seconds * 1000, 2),
            **fields,
        },
    )
