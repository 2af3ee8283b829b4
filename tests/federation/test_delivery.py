"""Tests for fedaid/federation/delivery.py: outcomes, backoff, fan-out, breaker, domain health, SSRF.

Receivers are real aiohttp servers on 127.0.0.1 that verify every signature with httpsig.
The clock is a ManualClock passed to the worker: backoff is never waited for.
"""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from fedaid.db import Database
from fedaid.domain.publish import followers_of, publish
from fedaid.domain.retries import MAX_ATTEMPTS, Step, next_step, parse_retry_after, retry_delay
from fedaid.federation.delivery import DeliveryWorker, mark_domain_alive
from fedaid.models import Actor, Delivery, DeliveryState, DomainHealth, Follow, FollowState

from fakes.inboxes import Answer, FakeInboxes, make_sender

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class ManualClock:
    """The worker's clock: stands still until a test moves it."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


class FixedJitter(random.Random):
    """An rng whose random() is always `value`: the jitter's bounds, exactly."""

    def __init__(self, value: float) -> None:
        super().__init__()
        self.value = value

    def random(self) -> float:
        return self.value


NO_JITTER, MAX_JITTER = FixedJitter(0.0), FixedJitter(0.999999)


def activity(number: int = 1, actor: str = "https://aid.example/u/ana") -> dict:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{actor}/activities/{number}",
        "type": "Create",
        "actor": actor,
        "object": {"type": "Note", "content": f"note {number} · ça marche"},
    }


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def sender(db: Database) -> Actor:
    return await make_sender()


@pytest.fixture
async def make_inboxes(aiohttp_server, sender: Actor) -> Callable[..., Awaitable[FakeInboxes]]:
    async def make(**options: float) -> FakeInboxes:
        return await FakeInboxes({sender.key_id: sender.public_key_pem}, **options).start(aiohttp_server)

    return make


@pytest.fixture
async def remote(make_inboxes) -> FakeInboxes:
    return await make_inboxes()


@pytest.fixture
async def make_worker(clock: ManualClock) -> AsyncIterator[Callable[..., Awaitable[DeliveryWorker]]]:
    workers: list[DeliveryWorker] = []

    async def make(**overrides: object) -> DeliveryWorker:
        options: dict = {"allow_http": True, "clock": clock, "rng": random.Random(4)} | overrides
        worker = DeliveryWorker("fedaid-test/0.1", options.pop("allow_private_addresses", True), **options)
        await worker.start()
        workers.append(worker)
        return worker

    yield make
    for worker in workers:
        await worker.close()


@pytest.fixture
async def worker(make_worker) -> DeliveryWorker:
    return await make_worker()


async def deliver_everything_due(worker: DeliveryWorker) -> int:
    attempted = 0
    while count := await worker.run_once():
        attempted += count
    return attempted


async def the_row() -> Delivery:
    return await Delivery.get()


# --- pure rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "step"),
    [
        (200, Step.DONE),
        (202, Step.DONE),
        (204, Step.DONE),
        (410, Step.FORGET_RECIPIENT),
        (None, Step.RETRY),
        (500, Step.RETRY),
        (502, Step.RETRY),
        (503, Step.RETRY),
        (401, Step.RETRY),
        (408, Step.RETRY),
        (429, Step.RETRY),
        (400, Step.GIVE_UP),
        (403, Step.GIVE_UP),
        (404, Step.GIVE_UP),
        (413, Step.GIVE_UP),
        (422, Step.GIVE_UP),
        (501, Step.GIVE_UP),
        (301, Step.GIVE_UP),
    ],
)
def test_next_step_reads_status_codes_as_mastodon_does(status: int | None, step: Step) -> None:
    assert next_step(status) is step


@pytest.mark.parametrize("attempt", [1, 2, 5, 10, 15])
def test_retry_delay_is_attempt_to_the_fourth_plus_15_s_plus_jitter(attempt: int) -> None:
    some = retry_delay(attempt, None, START, random.Random()).total_seconds()
    lowest = retry_delay(attempt, None, START, NO_JITTER).total_seconds()
    highest = retry_delay(attempt, None, START, MAX_JITTER).total_seconds()

    assert lowest == attempt**4 + 15
    assert highest == pytest.approx(attempt**4 + 15 + 0.5 * attempt**4, rel=1e-5)
    assert lowest <= some <= highest


def test_retry_delay_honours_a_longer_retry_after_in_seconds() -> None:
    assert retry_delay(1, "3600", START, NO_JITTER) == timedelta(hours=1)


def test_retry_delay_honours_a_longer_retry_after_as_http_date() -> None:
    later = format_datetime(START + timedelta(minutes=30), usegmt=True)

    assert retry_delay(2, later, START, NO_JITTER) == timedelta(minutes=30)


def test_retry_delay_keeps_its_own_backoff_when_retry_after_is_shorter_or_unreadable() -> None:
    assert retry_delay(3, "5", START, NO_JITTER) == timedelta(seconds=96)
    assert retry_delay(3, "soon", START, NO_JITTER) == timedelta(seconds=96)
    assert retry_delay(3, format_datetime(START - timedelta(hours=1), usegmt=True), START, NO_JITTER) == timedelta(
        seconds=96
    )


def test_retry_after_is_capped() -> None:
    assert retry_delay(1, str(10 * 365 * 86400), START, NO_JITTER) == timedelta(days=3)


def test_parse_retry_after() -> None:
    assert parse_retry_after(" 120 ", START) == timedelta(seconds=120)
    assert parse_retry_after("Mon, 02 Mar 2026 09:10:00 GMT", START) == timedelta(minutes=10)
    assert parse_retry_after("", START) is None
    assert parse_retry_after("-5", START) is None


def test_a_lease_shorter_than_the_timeout_is_refused() -> None:
    with pytest.raises(ValueError, match="lease"):
        DeliveryWorker("ua", True, lease=timedelta(seconds=10), total_timeout=15)


# --- fan-out ------------------------------------------------------------------------------------


async def test_fan_out_to_200_recipients_arrives_once_per_distinct_inbox(
    sender: Actor, make_inboxes, make_worker, clock: ManualClock
) -> None:
    # Given 200 recipients on three servers: one with a shared inbox, one without, one mixed
    masto, gts, mixed = await make_inboxes(), await make_inboxes(), await make_inboxes()
    recipients = (
        await masto.actors([f"m{n}" for n in range(80)], shared=True)
        + await gts.actors([f"g{n}" for n in range(60)])
        + await mixed.actors([f"s{n}" for n in range(30)], shared=True)
        + await mixed.actors([f"p{n}" for n in range(30)])
    )
    assert len(recipients) == 200
    # When one activity is published to all of them (one inbox also named explicitly) and delivered
    queued = await publish(activity(), sender=sender, to=recipients, inboxes=[gts.url("/users/g0/inbox")], now=clock())
    attempted = await deliver_everything_due(await make_worker(batch_size=50))
    # Then each distinct inbox received it exactly once, signed in a way httpsig verifies
    assert queued == attempted == 1 + 60 + 31
    assert masto.arrivals() == {("/inbox", activity()["id"]): 1}
    assert set(gts.arrivals().values()) == {1} and len(gts.arrivals()) == 60
    assert set(mixed.arrivals().values()) == {1} and len(mixed.arrivals()) == 31
    assert masto.rejected == gts.rejected == mixed.rejected == []
    assert {item.body for item in masto.received + gts.received} == {(await Delivery.first()).payload.encode()}
    assert (
        await Delivery.filter(state=DeliveryState.DONE, last_status=202, attempts=1, delivered_at=clock()).count()
        == queued
    )


async def test_signing_in_the_event_loop_works_as_well(
    sender: Actor, remote: FakeInboxes, make_worker, clock: ManualClock
) -> None:
    await publish(activity(), sender=sender, to=await remote.actors(["bo", "cy"]), now=clock())

    assert await (await make_worker(signing_threads=0)).run_once() == 2

    assert sorted(remote.paths()) == ["/users/bo/inbox", "/users/cy/inbox"] and remote.rejected == []


async def test_one_pass_signs_each_row_for_its_own_body_and_sender(
    sender: Actor, remote: FakeInboxes, worker: DeliveryWorker, clock: ManualClock
) -> None:
    # Given three activities to eleven inboxes (rows of several signing chunks), one from a sender without a key
    inboxes = await remote.actors([f"r{n}" for n in range(11)])
    keyless = await make_sender("keyless")
    keyless.private_key_pem = None
    await keyless.save()
    for number in (1, 2):
        await publish(activity(number), sender=sender, to=inboxes, now=clock())
    await publish(activity(3, actor=keyless.ap_id), sender=keyless, to=inboxes, now=clock())
    # When one pass delivers them
    assert await worker.run_once() == 33
    # Then each signed row arrived with its own body and a Digest that matches it; the keyless ones gave up
    assert remote.rejected == []
    assert set(remote.arrivals().values()) == {1} and len(remote.arrivals()) == 22
    sent = await Delivery.filter(state=DeliveryState.DONE).values_list("payload", flat=True)
    assert len(sent) == 22 and {item.body for item in remote.received} == {payload.encode() for payload in sent}
    assert len({item.body for item in remote.received}) == 2
    assert await Delivery.filter(state=DeliveryState.GIVEN_UP, sender=keyless).count() == 11


async def test_a_delivered_row_is_not_sent_again(
    sender: Actor, remote: FakeInboxes, worker: DeliveryWorker, clock: ManualClock
) -> None:
    await publish(activity(), sender=sender, to=[await remote.actor("bo")], now=clock())
    await worker.run_once()

    clock.advance(days=5)

    assert await worker.run_once() == 0
    assert len(remote.received) == 1


# --- outcomes -----------------------------------------------------------------------------------


async def test_an_inbox_answering_500_then_202_gets_the_activity_on_retry(
    sender: Actor, remote: FakeInboxes, worker: DeliveryWorker, clock: ManualClock
) -> None:
    # Given an inbox that fails once
    bo = await remote.actor("bo")
    remote.script("/users/bo/inbox", 500)
    await publish(activity(), sender=sender, to=[bo], now=clock())
    # When the first attempt fails
    assert await worker.run_once() == 1
    row = await the_row()
    assert (row.state, row.attempts, row.last_status, row.claimed_until) == (DeliveryState.PENDING, 1, 500, None)
    assert timedelta(seconds=16) <= row.next_attempt_at - clock() <= timedelta(seconds=16.5)
    assert await worker.run_once() == 0  # not due yet
    # Then the retry, once due, delivers it
    clock.advance(seconds=17)
    assert await worker.run_once() == 1
    row = await the_row()
    assert (row.state, row.attempts, row.last_status, row.last_error) == (DeliveryState.DONE, 2, 202, "")
    assert remote.paths() == ["/users/bo/inbox"] and remote.posts == 2


async def test_a_410_stops_deliveries_to_the_inbox_and_forgets_the_follower(
    sender: Actor, remote: FakeInboxes, make_worker, clock: ManualClock
) -> None:
    # Given two followers, one of whom is gone, and two activities queued for both
    gone, stays = await remote.actor("gone"), await remote.actor("stays")
    for follower in (gone, stays):
        await Follow.create(follower=follower, target=sender, state=FollowState.ACCEPTED)
    remote.script("/users/gone/inbox", 410)
    for number in (1, 2):
        await publish(activity(number), sender=sender, to=await followers_of(sender), now=clock())
    # When the gone inbox answers 410 to the first activity
    await deliver_everything_due(await make_worker(per_host_concurrency=1))
    # Then it gets nothing more, and the follower is forgotten
    assert remote.posts == 3
    assert remote.paths() == ["/users/stays/inbox"] * 2
    gone_rows = await Delivery.filter(inbox=gone.inbox).order_by("id")
    assert [(row.state, row.last_status) for row in gone_rows] == [
        (DeliveryState.GONE, 410),
        (DeliveryState.GONE, None),
    ]
    assert [actor.id for actor in await followers_of(sender)] == [stays.id]
    assert await publish(activity(3), sender=sender, to=await followers_of(sender), now=clock()) == 1


async def test_a_400_is_not_retried(
    sender: Actor, remote: FakeInboxes, worker: DeliveryWorker, clock: ManualClock
) -> None:
    remote.script("/users/bo/inbox", 400)
    await publish(activity(), sender=sender, to=[await remote.actor("bo")], now=clock())

    await worker.run_once()
    clock.advance(days=4)

    assert await worker.run_once() == 0
    row = await the_row()
    assert (row.state, row.attempts, row.last_status) == (DeliveryState.GIVEN_UP, 1, 400)
    assert "400" in row.last_error and remote.posts == 1


async def test_a_timeout_is_retried(sender: Actor, remote: FakeInboxes, make_worker, clock: ManualClock) -> None:
    # Given an inbox that answers too late once
    remote.script("/users/bo/inbox", Answer(202, delay=2))
    await publish(activity(), sender=sender, to=[await remote.actor("bo")], now=clock())
    worker = await make_worker(total_timeout=0.3)
    # When the first attempt times out
    await worker.run_once()
    row = await the_row()
    assert (row.state, row.attempts, row.last_status) == (DeliveryState.PENDING, 1, None)
    assert "no answer in time" in row.last_error
    # Then it is retried and delivered
    clock.advance(seconds=17)
    await worker.run_once()
    assert (await the_row()).state == DeliveryState.DONE
    assert remote.paths() == ["/users/bo/inbox"]


async def test_retry_after_is_honoured(
    sender: Actor, remote: FakeInboxes, worker: DeliveryWorker, clock: ManualClock
) -> None:
    # Given an inbox that asks us to come back in an hour
    remote.script("/users/bo/inbox", Answer(429, headers={"Retry-After": "3600"}))
    await publish(activity(), sender=sender, to=[await remote.actor("bo")], now=clock())
    await worker.run_once()
    assert (await the_row()).next_attempt_at == clock() + timedelta(hours=1)
    # When our own backoff (16 s) has passed, nothing is sent
    clock.advance(minutes=59)
    assert await worker.run_once() == 0
    # Then after the hour it is delivered
    clock.advance(minutes=1)
    assert await worker.run_once() == 1
    assert (await the_row()).state == DeliveryState.DONE


async def test_retry_after_as_http_date_is_honoured(
    sender: Actor, remote: FakeInboxes, worker: DeliveryWorker, clock: ManualClock
) -> None:
    later = format_datetime(clock() + timedelta(minutes=20), usegmt=True)
    remote.script("/users/bo/inbox", Answer(503, headers={"Retry-After": later}))
    await publish(activity(), sender=sender, to=[await remote.actor("bo")], now=clock())

    await worker.run_once()

    assert (await the_row()).next_attempt_at == clock() + timedelta(minutes=20)


async def test_delivery_gives_up_after_16_attempts(
    sender: Actor, remote: FakeInboxes, worker: DeliveryWorker, clock: ManualClock
) -> None:
    remote.script("/users/bo/inbox", *([503] * MAX_ATTEMPTS))
    await publish(activity(), sender=sender, to=[await remote.actor("bo")], now=clock())

    for _ in range(MAX_ATTEMPTS):
        assert await worker.run_once() == 1
        clock.now = (await the_row()).next_attempt_at

    row = await the_row()
    assert (row.state, row.attempts, row.last_status) == (DeliveryState.GIVEN_UP, MAX_ATTEMPTS, 503)
    assert "gave up after 16 attempts" in row.last_error
    assert clock() - START > timedelta(days=2)  # Mastodon's window: about 2-3 days
    assert await worker.run_once() == 0


async def test_a_sender_without_a_key_gives_up(
    db: Database, remote: FakeInboxes, worker: DeliveryWorker, clock: ManualClock
) -> None:
    keyless = await make_sender("keyless")
    keyless.private_key_pem = None
    await keyless.save()
    await publish(activity(), sender=keyless, to=[await remote.actor("bo")], now=clock())

    await worker.run_once()

    row = await the_row()
    assert row.state == DeliveryState.GIVEN_UP and "sign" in row.last_error
    assert remote.posts == 0


async def test_outcomes_are_logged_with_structured_fields(
    sender: Actor, remote: FakeInboxes, worker: DeliveryWorker, clock: ManualClock, caplog
) -> None:
    remote.script("/users/bo/inbox", 500)
    await publish(activity(), sender=sender, to=[await remote.actor("bo")], now=clock())

    with caplog.at_level(logging.DEBUG, logger="fedaid.delivery"):
        await worker.run_once()
        clock.advance(minutes=1)
        await worker.run_once()

    row = await the_row()
    retry, delivered = [record for record in caplog.records if record.name == "fedaid.delivery"]
    assert (retry.levelno, retry.delivery_id, retry.inbox, retry.status, retry.attempt) == (
        logging.INFO,
        row.id,
        row.inbox,
        500,
        1,
    )
    assert (delivered.levelno, delivered.delivery_id, delivered.status, delivered.attempt) == (
        logging.DEBUG,
        row.id,
        202,
        2,
    )


# --- claiming -----------------------------------------------------------------------------------


async def test_a_claimed_row_waits_for_its_lease_to_expire(
    sender: Actor, remote: FakeInboxes, worker: DeliveryWorker, clock: ManualClock
) -> None:
    # Given a row another worker claimed (and died holding) a moment ago
    await publish(activity(), sender=sender, to=[await remote.actor("bo")], now=clock())
    await Delivery.all().update(claimed_until=clock() + timedelta(seconds=60))
    # When the lease has not expired, nobody takes it
    assert await worker.run_once() == 0
    # Then after the lease it is delivered
    clock.advance(seconds=61)
    assert await worker.run_once() == 1
    assert remote.posts == 1 and (await the_row()).claimed_until is None


async def test_batches_are_claimed_in_due_order(
    sender: Actor, remote: FakeInboxes, make_worker, clock: ManualClock
) -> None:
    actors = await remote.actors(["a", "b", "c"])
    for number, actor in enumerate(actors):
        await publish(activity(number), sender=sender, to=[actor], now=clock() - timedelta(minutes=number))

    worker = await make_worker(batch_size=1)
    for _ in actors:
        await worker.run_once()

    assert remote.paths() == ["/users/c/inbox", "/users/b/inbox", "/users/a/inbox"]


async def test_a_peer_down_for_an_hour_gets_its_deliveries_when_it_comes_back_in_retry_order(
    sender: Actor, remote: FakeInboxes, make_worker, clock: ManualClock, aiohttp_server
) -> None:
    # Given a peer that stops answering (connections refused) while six activities are published to it,
    # one every ten minutes, and a worker that runs every minute of that hour
    bo = await remote.actor("bo")
    worker = await make_worker(per_host_concurrency=1)
    await remote.go_down()
    outage_ends = clock() + timedelta(hours=1)
    number = 0
    while clock() < outage_ends:
        if clock().minute % 10 == 0 and clock().second == 0:
            await publish(activity(number), sender=sender, to=[bo], now=clock())
            number += 1
        await deliver_everything_due(worker)
        clock.advance(minutes=1)
    rows = await Delivery.all()
    assert len(rows) == 6 and all(row.state == DeliveryState.PENDING and row.attempts >= 1 for row in rows)
    assert remote.posts == 0
    retry_order = [row.activity_id for row in sorted(rows, key=lambda row: row.next_attempt_at)]
    # When it comes back, and the worker goes on running every minute
    await remote.come_back(aiohttp_server)
    for _ in range(180):
        if not await Delivery.filter(state=DeliveryState.PENDING).exists():
            break
        await deliver_everything_due(worker)
        clock.advance(minutes=1)
    # Then each activity arrives once, in the order of its retry time
    assert await Delivery.filter(state=DeliveryState.DONE).count() == 6
    arrived = [received.activity["id"] for received in remote.received]
    assert arrived == retry_order and len(set(arrived)) == 6


# --- circuit breaker and domain health ----------------------------------------------------------


async def test_ten_consecutive_failures_pause_a_host_for_a_minute(
    sender: Actor, make_inboxes, make_worker, clock: ManualClock
) -> None:
    # Given a host answering 500 to everything, with 12 inboxes to deliver to, and a healthy host
    failing, healthy = await make_inboxes(), await make_inboxes()
    failing.default = Answer(500)
    await publish(
        activity(),
        sender=sender,
        to=await failing.actors([f"u{n}" for n in range(12)]) + await healthy.actors(["ok"]),
        now=clock(),
    )
    worker = await make_worker(per_host_concurrency=1)
    # When a pass meets ten failures in a row
    assert await worker.run_once() == 11
    # Then the host's other rows stay pending, unclaimed and unattempted, while others are delivered
    assert failing.posts == 10 and healthy.paths() == ["/users/ok/inbox"]
    untouched = await Delivery.filter(host=failing.host, attempts=0)
    assert len(untouched) == 2 and {row.claimed_until for row in untouched} == {None}
    # And the host is skipped for 60 s; then one trial, which fails, pauses it again
    clock.advance(seconds=30)
    assert await worker.run_once() == 0
    clock.advance(seconds=31)
    assert await worker.run_once() == 1
    assert failing.posts == 11
    # And once a trial succeeds, the host gets everything
    failing.default = Answer(202)
    clock.advance(seconds=61)
    assert await worker.run_once() == 12
    assert failing.posts == 23 and len(failing.received) == 12


async def test_a_host_failing_on_7_distinct_days_becomes_unavailable(
    sender: Actor, remote: FakeInboxes, worker: DeliveryWorker, clock: ManualClock
) -> None:
    # Given an inbox that keeps failing, once per day for a week
    bo = await remote.actor("bo")
    remote.script("/users/bo/inbox", *([500] * 7))
    await publish(activity(), sender=sender, to=[bo], now=clock())
    for day in range(7):
        await worker.run_once()
        health = await DomainHealth.get(host=remote.host)
        assert len(health.failure_days) == day + 1 and health.is_unavailable == (day == 6)
        clock.advance(days=1)
    # Then its queued row is dropped and nothing new is queued for that host
    row = await the_row()
    assert (row.state, row.attempts) == (DeliveryState.GIVEN_UP, 7) and "unavailable" in row.last_error
    assert await publish(activity(2), sender=sender, to=[bo], now=clock()) == 0
    # And a signed request from it revives it
    await mark_domain_alive(remote.host.upper())
    health = await DomainHealth.get(host=remote.host)
    assert (health.failure_days, health.is_unavailable) == ([], False)
    assert await publish(activity(2), sender=sender, to=[bo], now=clock()) == 1
    assert await worker.run_once() == 1
    assert remote.posts == 8 and [item.activity["id"] for item in remote.received] == [activity(2)["id"]]


async def test_several_failures_on_one_day_count_once_and_a_success_clears_them(
    sender: Actor, remote: FakeInboxes, worker: DeliveryWorker, clock: ManualClock
) -> None:
    bo = await remote.actor("bo")
    remote.script("/users/bo/inbox", 500, 500, 500)
    await publish(activity(), sender=sender, to=[bo], now=clock())
    for _ in range(3):
        await worker.run_once()
        clock.advance(minutes=2)
    assert (await DomainHealth.get(host=remote.host)).failure_days == [START.date().isoformat()]

    await worker.run_once()

    health = await DomainHealth.get(host=remote.host)
    assert (health.failure_days, health.is_unavailable, health.last_success_at) == ([], False, clock())


# --- SSRF ---------------------------------------------------------------------------------------


async def test_an_inbox_at_a_private_address_is_refused_without_connecting(
    sender: Actor, make_worker, clock: ManualClock
) -> None:
    # connect_timeout 30 s: connecting to 10.0.0.1 would hang this test rather than return a quick refusal.
    worker = await make_worker(allow_private_addresses=False, connect_timeout=30, total_timeout=40)
    await publish(
        activity(), sender=sender, inboxes=["http://10.0.0.1/inbox", "http://[fd00::1]:8080/inbox"], now=clock()
    )

    assert await worker.run_once() == 2

    rows = await Delivery.all()
    assert {row.state for row in rows} == {DeliveryState.GIVEN_UP}
    assert all("private or reserved" in row.last_error for row in rows)
    assert {row.last_status for row in rows} == {None}


async def test_a_name_resolving_to_loopback_is_refused_when_private_addresses_are_not_allowed(
    sender: Actor, remote: FakeInboxes, make_worker, clock: ManualClock
) -> None:
    worker = await make_worker(allow_private_addresses=False)
    await publish(
        activity(), sender=sender, inboxes=[f"http://localhost:{remote.server.port}/users/bo/inbox"], now=clock()
    )

    await worker.run_once()

    row = await the_row()
    assert row.state == DeliveryState.GIVEN_UP and "private or reserved" in row.last_error
    assert remote.posts == 0


async def test_plain_http_is_refused_unless_allowed(
    sender: Actor, remote: FakeInboxes, make_worker, clock: ManualClock
) -> None:
    worker = await make_worker(allow_http=False)
    await publish(activity(), sender=sender, to=[await remote.actor("bo")], now=clock())

    await worker.run_once()

    row = await the_row()
    assert row.state == DeliveryState.GIVEN_UP and "scheme" in row.last_error
    assert remote.posts == 0
