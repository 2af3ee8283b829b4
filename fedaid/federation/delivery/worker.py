"""The delivery worker: passes that claim due rows, sign them, POST each within its host's slot, and record."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import aiohttp
from aiohttp.resolver import DefaultResolver

from fedaid.clock import utcnow
from fedaid.domain.actors import load_actors
from fedaid.domain.retries import Step, next_step
from fedaid.errors import FedaidError, SignatureError, UnsafeAddress
from fedaid.federation.delivery import queue
from fedaid.federation.delivery.health import record_health
from fedaid.federation.delivery.outcomes import Result, log
from fedaid.federation.delivery.signing import SIGNING_CHUNK, Signed, SignedChunk, Signer
from fedaid.federation.delivery.slots import Breakers, HostSlots
from fedaid.federation.fetch import (
    GuardedResolver,
    RefusedConnection,
    allow_any_address,
    guarded_socket_factory,
    is_public_address,
)
from fedaid.models import Actor, Delivery

DRAIN_BYTES = 64 * 1024  # read this much of an answer so the connection can be reused
PASSES_IN_FLIGHT = 2  # run_forever claims the next batch while the last one finishes


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
        self._breakers = Breakers()
        self._overall = asyncio.Semaphore(concurrency)
        self._host_slots = HostSlots(per_host_concurrency)
        self._signer = Signer(allowed=self._allowed, allow_http=allow_http, threads=signing_threads)
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
        self._signer.start()

    async def close(self) -> None:
        self._signer.close()
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
        now = self._clock()
        rows = await queue.claim(
            now, batch_size=self._batch_size, lease=self._lease, skipped_hosts=self._breakers.open_hosts(now)
        )
        if not rows:
            return 0
        # A POST must not start when its lease could run out before its timeout: another worker could take it.
        deadline = time.monotonic() + self._lease.total_seconds() - self._total_timeout
        results = await self._deliver_all(rows, await load_actors({row.sender_id for row in rows}), deadline)
        now = self._clock()
        await queue.record(results, now, self._rng)
        await record_health(results, now)
        return sum(1 for result in results if result.step is not None)

    async def _deliver_all(self, rows: list[Delivery], senders: dict[int, Actor], deadline: float) -> list[Result]:
        gone: set[str] = set()  # inboxes that answered 410 in this pass: their other rows are not sent
        signatures = self._signer.sign_all(rows, senders)

        async def deliver(row: Delivery, signed: SignedChunk, position: int) -> Result:
            with contextlib.suppress(Exception):  # signed before taking a slot, so slots wait on the network only
                await signed  # (a failed chunk is reported by _attempt, for each of its rows)
            # The host slot first, so rows waiting for a busy host do not hold slots others could use.
            await self._host_slots.acquire(row.host)
            try:
                async with self._overall:
                    if (
                        row.inbox in gone
                        or self._breakers.is_open(row.host, self._clock())
                        or time.monotonic() > deadline
                    ):
                        return Result(row)
                    result = await self._attempt(row, signed, position)
            finally:
                self._host_slots.release(row.host)
            self._breakers.note(row.host, result.step, self._clock())
            if result.step is Step.FORGET_RECIPIENT:
                gone.add(row.inbox)
            return result

        return await asyncio.gather(
            *(deliver(row, signatures[index // SIGNING_CHUNK], index % SIGNING_CHUNK) for index, row in enumerate(rows))
        )

    async def _attempt(self, row: Delivery, signed: SignedChunk, position: int) -> Result:
        """POST one signed row; every expected failure becomes a result, never an exception."""
        started = time.perf_counter()
        result = Result(row)
        try:
            ready = (await signed)[position]
            if isinstance(ready, FedaidError):
                raise ready
            result = await self._post(row, ready)
        except UnsafeAddress as err:
            result = Result(row, Step.GIVE_UP, error=str(err))
        except SignatureError as err:
            result = Result(row, Step.GIVE_UP, error=f"cannot sign as the sender: {err}")
        except TimeoutError:
            result = Result(
                row,
                Step.RETRY,
                error=f"no answer in time (connect {self._connect_timeout:g} s, total {self._total_timeout:g} s)",
            )
        except aiohttp.ClientConnectorError as err:
            refused = isinstance(err.os_error, RefusedConnection)
            result = Result(row, Step.GIVE_UP if refused else Step.RETRY, error=f"cannot connect: {err.os_error}")
        except aiohttp.ClientError as err:
            result = Result(row, Step.RETRY, error=f"{err.__class__.__name__}: {err}")
        except Exception as err:  # a loop boundary: keep the batch going, record the error on the row
            log.exception("delivery attempt crashed", extra={"delivery_id": row.id, "inbox": row.inbox})
            result = Result(row, Step.RETRY, error=f"internal error: {err.__class__.__name__}")
        result.seconds = time.perf_counter() - started
        return result

    async def _post(self, row: Delivery, signed: Signed) -> Result:
        assert self._session is not None
        async with self._session.post(
            signed.url, data=signed.body, headers=signed.headers, allow_redirects=False
        ) as response:
            await drain(response)
            status = response.status
            error = "" if 200 <= status < 300 else f"HTTP {status} {response.reason or ''}".strip()
            return Result(row, next_step(status), status, error, response.headers.get("Retry-After"))


async def drain(response: aiohttp.ClientResponse) -> None:
    """Read (a bounded part of) the answer, which we do not use, so the connection can be kept alive."""
    remaining = DRAIN_BYTES
    while remaining > 0:
        chunk = await response.content.read(remaining)
        if not chunk:
            return
        remaining -= len(chunk)
