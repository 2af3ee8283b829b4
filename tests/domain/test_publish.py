"""Tests for fedaid/domain/publish.py: which Delivery rows an activity becomes. No network."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from tortoise.transactions import in_transaction

from fedaid.db import Database
from fedaid.domain.policy import DomainPolicies
from fedaid.domain.publish import followers_of, publish
from fedaid.models import (
    Actor,
    ActorType,
    Delivery,
    DeliveryState,
    DomainHealth,
    DomainPolicy,
    Follow,
    FollowState,
    PolicyKind,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ACTIVITY = {
    "@context": "https://www.w3.org/ns/activitystreams",
    "id": "https://aid.example/u/ana/activities/1",
    "type": "Create",
    "actor": "https://aid.example/u/ana",
    "object": {"type": "Note", "content": "OFFRE · Déménagement · 2 h"},
}


async def make_actor(username: str, domain: str, *, shared: bool = False, is_local: bool = False) -> Actor:
    base = f"https://{domain}"
    return await Actor.create(
        ap_id=f"{base}/users/{username}",
        type=ActorType.PERSON,
        username=username,
        domain=domain,
        is_local=is_local,
        inbox=f"{base}/users/{username}/inbox",
        shared_inbox=f"{base}/inbox" if shared else None,
    )


@pytest.fixture
async def ana(db: Database) -> Actor:
    return await make_actor("ana", "aid.example", shared=True, is_local=True)


async def queued_inboxes() -> list[str]:
    return sorted(await Delivery.all().values_list("inbox", flat=True))


async def test_recipients_sharing_an_inbox_get_one_row(ana: Actor) -> None:
    # Given three actors on a server with a shared inbox and two on one without
    shared = [await make_actor(name, "masto.example", shared=True) for name in ("bo", "cy", "di")]
    solo = [await make_actor(name, "gts.example") for name in ("ed", "fa")]
    # When an activity is published to all of them
    queued = await publish(ACTIVITY, sender=ana, to=shared + solo, now=NOW)
    # Then each distinct inbox gets exactly one row
    assert queued == 3
    assert await queued_inboxes() == [
        "https://gts.example/users/ed/inbox",
        "https://gts.example/users/fa/inbox",
        "https://masto.example/inbox",
    ]


async def test_explicit_inboxes_merge_with_recipients(ana: Actor) -> None:
    bo = await make_actor("bo", "masto.example", shared=True)

    queued = await publish(
        ACTIVITY, sender=ana, to=[bo], inboxes=["https://masto.example/inbox", "https://relay.example/inbox"], now=NOW
    )

    assert queued == 2
    assert await queued_inboxes() == ["https://masto.example/inbox", "https://relay.example/inbox"]


async def test_local_recipients_are_skipped(ana: Actor) -> None:
    local = await make_actor("li", "aid.example", is_local=True)

    assert await publish(ACTIVITY, sender=ana, to=[local, ana], now=NOW) == 0
    assert await Delivery.all().count() == 0


async def test_row_holds_the_exact_bytes_to_send(ana: Actor) -> None:
    bo = await make_actor("bo", "masto.example:8443")

    await publish(ACTIVITY, sender=ana, to=[bo], now=NOW)

    row = await Delivery.get()
    assert row.payload == json.dumps(ACTIVITY, ensure_ascii=False, separators=(",", ":"))
    assert "Déménagement" in row.payload and ", " not in row.payload
    assert (row.activity_id, row.sender_id, row.host) == (ACTIVITY["id"], ana.id, "masto.example:8443")
    assert (row.state, row.attempts, row.next_attempt_at, row.claimed_until) == (DeliveryState.PENDING, 0, NOW, None)


async def test_unavailable_hosts_are_skipped(ana: Actor) -> None:
    # Given a host that failed on 7 distinct days (Mastodon skips such domains)
    week = [f"2026-02-0{day}" for day in range(1, 8)]
    await DomainHealth.create(host="dead.example", is_unavailable=True, failure_days=week)
    await DomainHealth.create(host="flaky.example", failure_days=["2026-02-01"])
    dead, flaky = await make_actor("bo", "dead.example"), await make_actor("cy", "flaky.example")
    # When publishing to actors on both
    queued = await publish(ACTIVITY, sender=ana, to=[dead, flaky], now=NOW)
    # Then only the still available host gets a row
    assert queued == 1
    assert await queued_inboxes() == ["https://flaky.example/users/cy/inbox"]


async def test_blocked_domains_and_their_subdomains_are_skipped(ana: Actor) -> None:
    await DomainPolicy.create(domain="spam.example", kind=PolicyKind.BLOCK)
    await DomainPolicy.create(domain="quiet.example", kind=PolicyKind.SILENCE)
    recipients = [
        await make_actor("bo", "spam.example"),
        await make_actor("cy", "eu.spam.example"),
        await make_actor("di", "quiet.example"),
    ]

    assert await publish(ACTIVITY, sender=ana, to=recipients, now=NOW) == 1
    assert await queued_inboxes() == ["https://quiet.example/users/di/inbox"]


async def test_a_policy_on_a_top_level_domain_covers_sending_and_receiving_alike(ana: Actor) -> None:
    # Given a block on a whole suffix, as Mastodon allows (its DomainBlock.rule_for tries every parent)
    await DomainPolicy.create(domain="spam", kind=PolicyKind.BLOCK)
    recipients = [await make_actor("bo", "eu.bulk.spam"), await make_actor("cy", "masto.example")]
    # Then nothing is sent there, and nothing is taken from there either
    assert await publish(ACTIVITY, sender=ana, to=recipients, now=NOW) == 1
    assert await queued_inboxes() == ["https://masto.example/users/cy/inbox"]
    policies = DomainPolicies()
    assert await policies.is_blocked("eu.bulk.spam") and await policies.is_blocked("eu.bulk.spam:8443")
    assert not await policies.is_blocked("spam.example")


async def test_publishing_the_same_activity_again_queues_only_new_inboxes(ana: Actor) -> None:
    bo, cy = await make_actor("bo", "masto.example"), await make_actor("cy", "gts.example")
    await publish(ACTIVITY, sender=ana, to=[bo], now=NOW)

    assert await publish(ACTIVITY, sender=ana, to=[bo, cy], now=NOW) == 1
    assert await Delivery.all().count() == 2


async def test_a_large_fan_out_is_queued_in_chunks(ana: Actor) -> None:
    inboxes = [f"https://host{n % 40}.example/users/u{n}/inbox" for n in range(1200)]

    assert await publish(ACTIVITY, sender=ana, inboxes=inboxes, now=NOW) == 1200
    assert await Delivery.filter(host="host7.example").count() == 30


async def test_rows_vanish_with_a_rolled_back_change(ana: Actor) -> None:
    bo = await make_actor("bo", "masto.example")

    with pytest.raises(RuntimeError):
        async with in_transaction():
            await publish(ACTIVITY, sender=ana, to=[bo], now=NOW)
            raise RuntimeError("the change that caused the activity failed")

    assert await Delivery.all().count() == 0


async def test_an_activity_without_id_is_refused(ana: Actor) -> None:
    with pytest.raises(ValueError):
        await publish({"type": "Create"}, sender=ana, inboxes=["https://masto.example/inbox"])


async def test_followers_of_lists_accepted_remote_followers(ana: Actor) -> None:
    # Given an accepted remote follower, a pending one, a local one and a deleted one
    bo, cy = await make_actor("bo", "masto.example", shared=True), await make_actor("cy", "gts.example")
    li = await make_actor("li", "aid.example", is_local=True)
    gone = await make_actor("ex", "old.example")
    gone.deleted_at = NOW
    await gone.save()
    for follower, state in (
        (bo, FollowState.ACCEPTED),
        (cy, FollowState.PENDING),
        (li, FollowState.ACCEPTED),
        (gone, FollowState.ACCEPTED),
    ):
        await Follow.create(follower=follower, target=ana, state=state)
    await Follow.create(follower=ana, target=cy, state=FollowState.ACCEPTED)
    # When asking for ana's followers
    followers = await followers_of(ana)
    # Then only the accepted, remote, existing one is listed
    assert [actor.id for actor in followers] == [bo.id]
