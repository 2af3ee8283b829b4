"""The delivery queue across real worker processes: SIGKILL mid fan-out, and two workers on one queue.

Workers run `delivery_worker_process.py` in processes of their own, with the real clock; the inboxes
are aiohttp servers in this process that verify every signature with httpsig and count arrivals.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from fedaid.db import Database
from fedaid.domain.publish import publish
from fedaid.models import Actor, Delivery, DeliveryState

from fakes.inboxes import FakeInboxes, make_sender

WORKER_SCRIPT = Path(__file__).with_name("delivery_worker_process.py")
ACTIVITY = {
    "@context": "https://www.w3.org/ns/activitystreams",
    "id": "https://aid.example/u/ana/activities/1",
    "type": "Create",
    "actor": "https://aid.example/u/ana",
    "object": {"type": "Note", "content": "Qui peut aider samedi ?"},
}
SERVERS = 4
PER_SERVER = 250  # 1,000 distinct inboxes


async def start_worker(database_url: str, lease_seconds: float) -> asyncio.subprocess.Process:
    """A worker process, returned once it has connected and is polling the queue."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(WORKER_SCRIPT), database_url, str(lease_seconds), stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    async with asyncio.timeout(30):
        assert (await process.stdout.readline()).strip() == b"ready"
    return process


async def stop_worker(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(15):
            await process.wait()


async def wait_until(condition: Callable[[], Awaitable[bool]], *, seconds: float, poll: float = 0.02) -> None:
    async with asyncio.timeout(seconds):
        while not await condition():
            await asyncio.sleep(poll)


@pytest.fixture
async def workers() -> AsyncIterator[list[asyncio.subprocess.Process]]:
    """Processes a test starts; any left running are stopped afterwards."""
    started: list[asyncio.subprocess.Process] = []
    yield started
    for process in started:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def fan_out(sender: Actor, servers: list[FakeInboxes]) -> int:
    recipients: list[Actor] = []
    for server in servers:
        recipients += await server.actors([f"u{n}" for n in range(PER_SERVER)])
    return await publish(ACTIVITY, sender=sender, to=recipients)


def arrivals(servers: list[FakeInboxes]) -> Counter[tuple[str, str]]:
    total: Counter[tuple[str, str]] = Counter()
    for server in servers:
        total.update({(server.host, path): count for (path, _), count in server.arrivals().items()})
    return total


async def test_a_worker_killed_mid_fan_out_loses_nothing_and_repeats_only_what_was_in_flight(
    db: Database, aiohttp_server, workers: list
) -> None:
    # Given 1,000 deliveries queued for four slow-ish servers, and a worker process sending them
    sender = await make_sender()
    keys = {sender.key_id: sender.public_key_pem}
    servers = [await FakeInboxes(keys, delay=0.02).start(aiohttp_server) for _ in range(SERVERS)]
    workers.append(first := await start_worker(db.url, lease_seconds=2))
    assert await fan_out(sender, servers) == SERVERS * PER_SERVER

    # When it is killed with SIGKILL in the middle of the fan-out
    async def many_arrived() -> bool:
        return sum(arrivals(servers).values()) >= 437  # mid-batch: a batch is 100 rows

    await wait_until(many_arrived, seconds=30, poll=0.005)
    os.kill(first.pid, signal.SIGKILL)
    await first.wait()
    arrived_at_kill = sum(arrivals(servers).values())
    claimed_at_kill = await Delivery.filter(state=DeliveryState.PENDING, claimed_until__isnull=False).count()
    assert arrived_at_kill < SERVERS * PER_SERVER and claimed_at_kill > 0

    # And a new worker starts, picking up the orphaned rows once their 2 s lease has run out
    workers.append(second := await start_worker(db.url, lease_seconds=2))

    async def queue_drained() -> bool:
        return not await Delivery.filter(state=DeliveryState.PENDING).exists()

    await wait_until(queue_drained, seconds=30, poll=0.1)
    await stop_worker(second)

    # Then every inbox got the activity, and only rows claimed at the kill arrived twice
    counts = arrivals(servers)
    duplicates = sum(counts.values()) - len(counts)
    assert len(counts) == SERVERS * PER_SERVER
    assert max(counts.values()) <= 2 and duplicates <= claimed_at_kill
    assert await Delivery.filter(state=DeliveryState.DONE).count() == SERVERS * PER_SERVER
    assert [server.rejected for server in servers] == [[]] * SERVERS


async def test_two_workers_on_postgresql_share_one_queue_without_sending_anything_twice(
    backend: str, db: Database, aiohttp_server, workers: list
) -> None:
    if backend != "postgres":
        pytest.skip("several worker processes share a queue only on PostgreSQL (FOR UPDATE SKIP LOCKED)")
    # Given two worker processes polling the same queue
    sender = await make_sender()
    keys = {sender.key_id: sender.public_key_pem}
    servers = [await FakeInboxes(keys, delay=0.01).start(aiohttp_server) for _ in range(SERVERS)]
    workers.extend(await asyncio.gather(start_worker(db.url, 30), start_worker(db.url, 30)))
    # When 1,000 deliveries are queued
    await fan_out(sender, servers)

    async def queue_drained() -> bool:
        return not await Delivery.filter(state=DeliveryState.PENDING).exists()

    await wait_until(queue_drained, seconds=60, poll=0.1)
    await asyncio.gather(*(stop_worker(process) for process in workers))

    # Then each inbox received it exactly once, and both workers took part
    counts = arrivals(servers)
    assert len(counts) == SERVERS * PER_SERVER and set(counts.values()) == {1}
    senders = Counter(item.user_agent for server in servers for item in server.received)
    assert set(senders) == {f"fedaid-test-worker/{process.pid}" for process in workers}
    assert [server.rejected for server in servers] == [[]] * SERVERS
