"""Tests for fedaid/domain/follows.py, alliances.py and policy.py: follows, alliances, policies. No network."""

from __future__ import annotations

import json
from datetime import UTC

import pytest

from fedaid.db import Database
from fedaid.domain import alliances, follows, policy
from fedaid.domain.follows import FollowRef
from fedaid.domain.members import add_member
from fedaid.domain.visibility import is_allied_domain
from fedaid.hosts import domain_names
from fedaid.models import (
    AccountRole,
    Actor,
    ActorType,
    Delivery,
    DomainPolicy,
    Follow,
    FollowState,
    Notification,
    NotificationKind,
    PolicyKind,
)

BASE = "https://drivers.example"


async def remote(username: str, domain: str, *, type: ActorType = ActorType.PERSON) -> Actor:
    base = f"https://{domain}"
    path = "c" if type == ActorType.GROUP else "users"
    return await Actor.create(
        ap_id=f"{base}/{path}/{username}",
        type=type,
        username=username,
        domain=domain,
        inbox=f"{base}/{path}/{username}/inbox",
        shared_inbox=f"{base}/inbox",
        followers_url=f"{base}/{path}/{username}/followers",
    )


async def local(username: str, *, type: ActorType = ActorType.PERSON) -> Actor:
    path = "c" if type == ActorType.GROUP else "u"
    ap_id = f"{BASE}/{path}/{username}"
    return await Actor.create(
        ap_id=ap_id,
        type=type,
        username=username,
        domain="drivers.example",
        is_local=True,
        inbox=f"{ap_id}/inbox",
        shared_inbox=f"{BASE}/inbox",
        followers_url=f"{ap_id}/followers",
        key_id=f"{ap_id}#main-key",
    )


async def sent() -> list[dict]:
    return [json.loads(row.payload) for row in await Delivery.all().order_by("id")]


@pytest.fixture
async def collective(db: Database) -> Actor:
    return await local("drivers", type=ActorType.GROUP)


@pytest.fixture
async def admin(db: Database) -> Actor:
    member = await add_member(
        BASE, "ana", email="ana@example.org", password="correct horse battery", role=AccountRole.ADMIN
    )
    return member.actor


async def test_a_person_following_the_collective_is_accepted_with_mastodons_accept(collective: Actor) -> None:
    bob = await remote("bob", "masto.example")

    row = await follows.receive_follow(bob, collective, "https://masto.example/f/1", federation_mode="allowlist")

    assert row is not None and row.state == FollowState.ACCEPTED
    [accept] = await sent()
    assert accept["type"] == "Accept" and accept["actor"] == collective.ap_id
    assert accept["id"].startswith(f"{collective.ap_id}#accepts/follows/")
    assert accept["object"] == {
        "id": "https://masto.example/f/1",
        "type": "Follow",
        "actor": bob.ap_id,
        "object": collective.ap_id,
    }
    assert (await Delivery.get()).inbox == "https://masto.example/inbox"


async def test_a_repeated_follow_is_accepted_again_without_a_second_row(collective: Actor, admin: Actor) -> None:
    bob = await remote("bob", "masto.example")
    await follows.receive_follow(bob, collective, "https://masto.example/f/1", federation_mode="open")

    await follows.receive_follow(bob, collective, "https://masto.example/f/2", federation_mode="open")

    assert await Follow.filter(follower=bob).count() == 1
    assert (await Follow.get(follower=bob)).ap_id == "https://masto.example/f/2"
    assert [doc["type"] for doc in await sent()] == ["Accept", "Accept"]
    assert await Notification.filter(kind=NotificationKind.FOLLOW).count() == 1


async def test_in_open_mode_an_alliance_request_waits_for_an_admin(collective: Actor, admin: Actor) -> None:
    coworking = await remote("coworking", "cowork.example", type=ActorType.GROUP)

    row = await follows.receive_follow(coworking, collective, "https://cowork.example/f/1", federation_mode="open")

    assert row is not None and row.state == FollowState.PENDING
    assert await sent() == []
    note = await Notification.get(kind=NotificationKind.ADMIN_ALLIANCE)
    assert (note.recipient_id, note.from_actor_id) == (admin.id, coworking.id)
    assert not await is_allied_domain("cowork.example")

    # When the admin approves, an Accept goes out and our collective follows back
    await alliances.approve_alliance(collective, coworking)
    accept, follow_back = await sent()
    assert accept["type"] == "Accept"
    assert (follow_back["type"], follow_back["actor"], follow_back["object"]) == (
        "Follow",
        collective.ap_id,
        coworking.ap_id,
    )


async def test_asking_back_a_collective_that_asked_approves_its_request(collective: Actor, admin: Actor) -> None:
    coworking = await remote("coworking", "cowork.example", type=ActorType.GROUP)
    await follows.receive_follow(coworking, collective, "https://cowork.example/f/1", federation_mode="open")

    await alliances.request_alliance(collective, coworking)

    [alliance] = await alliances.list_alliances(collective)
    assert (alliance.theirs, alliance.ours) == (FollowState.ACCEPTED, FollowState.PENDING)
    assert [doc["type"] for doc in await sent()] == ["Accept", "Follow"]


async def test_in_allowlist_mode_an_allowlisted_collective_waits_for_an_admin(collective: Actor, admin: Actor) -> None:
    coworking = await remote("coworking", "cowork.example", type=ActorType.GROUP)
    await policy.set_domain_policy("cowork.example", PolicyKind.ALLOW)

    row = await follows.receive_follow(
        coworking, collective, "https://cowork.example/f/1", federation_mode="allowlist", domain_policy=PolicyKind.ALLOW
    )

    assert row is not None and row.state == FollowState.PENDING
    assert await sent() == []
    note = await Notification.get(kind=NotificationKind.ADMIN_ALLIANCE)
    assert (note.recipient_id, note.from_actor_id) == (admin.id, coworking.id)
    [alliance] = await alliances.list_alliances(collective)
    assert alliance.theirs == FollowState.PENDING and alliance.ours is None

    # When the admin approves
    await alliances.approve_alliance(collective, coworking)

    # Then an Accept goes out, and our collective follows back
    assert [doc["type"] for doc in await sent()] == ["Accept", "Follow"]
    [alliance] = await alliances.list_alliances(collective)
    assert (alliance.theirs, alliance.ours) == (FollowState.ACCEPTED, FollowState.PENDING)


async def test_in_allowlist_mode_other_collectives_are_refused(collective: Actor, admin: Actor) -> None:
    stranger = await remote("strangers", "elsewhere.example", type=ActorType.GROUP)

    row = await follows.receive_follow(
        stranger, collective, "https://elsewhere.example/f/1", federation_mode="allowlist"
    )

    assert row is None and await Follow.all().count() == 0
    [reject] = await sent()
    assert reject["type"] == "Reject" and reject["object"]["id"] == "https://elsewhere.example/f/1"


async def test_their_follow_back_is_accepted_when_we_asked_first(collective: Actor) -> None:
    coworking = await remote("coworking", "cowork.example", type=ActorType.GROUP)
    await alliances.request_alliance(collective, coworking)

    row = await follows.receive_follow(coworking, collective, "https://cowork.example/f/9", federation_mode="allowlist")

    assert row is not None and row.state == FollowState.ACCEPTED


async def test_accept_matches_by_follow_id_then_by_the_pair(collective: Actor) -> None:
    ana = await local("ana")
    bob = await remote("bob", "masto.example")
    cy = await remote("cy", "masto.example")
    first = await follows.follow(ana, bob)
    second = await follows.follow(ana, cy)
    [follow_doc, _] = await sent()
    assert follow_doc == {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": first.ap_id,
        "type": "Follow",
        "actor": ana.ap_id,
        "object": bob.ap_id,
    }

    assert await follows.receive_accept(bob, FollowRef(first.ap_id)) is not None
    # An Accept naming an unknown id but the right pair (older Mastodon) also works.
    assert await follows.receive_accept(cy, FollowRef("https://masto.example/other", ana.ap_id, cy.ap_id)) is not None
    # Someone else cannot accept ana's follow of bob.
    assert await follows.receive_accept(cy, FollowRef(first.ap_id)) is None

    states = await Follow.filter(id__in=[first.id, second.id]).values_list("state", flat=True)
    assert set(states) == {FollowState.ACCEPTED}


async def test_undo_follow_by_id_or_pair_removes_the_follower(collective: Actor) -> None:
    bob = await remote("bob", "masto.example")
    await follows.receive_follow(bob, collective, "https://masto.example/f/1", federation_mode="open")

    assert await follows.receive_undo_follow(bob, FollowRef("https://masto.example/f/1")) is True
    assert await follows.receive_undo_follow(bob, FollowRef("https://masto.example/f/1")) is False  # idempotent

    await follows.receive_follow(bob, collective, "https://masto.example/f/3", federation_mode="open")
    assert await follows.receive_undo_follow(bob, FollowRef(None, bob.ap_id, collective.ap_id)) is True
    assert await Follow.all().count() == 0


async def test_undo_from_an_ally_ends_both_halves(collective: Actor) -> None:
    coworking = await remote("coworking", "cowork.example", type=ActorType.GROUP)
    theirs = await follows.receive_follow(coworking, collective, "https://cowork.example/f/1", federation_mode="open")
    ours = await alliances.request_alliance(collective, coworking)
    await follows.receive_accept(coworking, FollowRef(ours.ap_id))
    [alliance] = await alliances.list_alliances(collective)
    assert alliance.is_active and await is_allied_domain("cowork.example")

    await follows.receive_undo_follow(coworking, FollowRef(theirs.ap_id))

    assert await alliances.list_alliances(collective) == []
    undo = (await sent())[-1]
    assert undo["type"] == "Undo" and undo["object"]["id"] == ours.ap_id
    assert not await is_allied_domain("cowork.example")


async def test_reject_removes_our_follow(collective: Actor) -> None:
    ana = await local("ana")
    bob = await remote("bob", "masto.example")
    row = await follows.follow(ana, bob)

    assert await follows.receive_reject(bob, FollowRef(row.ap_id, ana.ap_id, bob.ap_id)) is True
    assert await Follow.all().count() == 0


async def test_unfollow_sends_undo_with_the_follow_embedded(collective: Actor) -> None:
    ana = await local("ana")
    bob = await remote("bob", "masto.example")
    row = await follows.follow(ana, bob)

    assert await follows.unfollow(ana, bob) is True

    undo = (await sent())[-1]
    assert undo["type"] == "Undo" and undo["actor"] == ana.ap_id
    assert undo["object"] == {"id": row.ap_id, "type": "Follow", "actor": ana.ap_id, "object": bob.ap_id}


async def test_a_member_who_approves_followers_gets_a_request(collective: Actor) -> None:
    ana = await local("ana")
    ana.manually_approves_followers = True
    await ana.save()
    bob = await remote("bob", "masto.example")

    row = await follows.receive_follow(bob, ana, "https://masto.example/f/1", federation_mode="open")

    assert row is not None and row.state == FollowState.PENDING
    assert await Notification.filter(recipient=ana, kind=NotificationKind.FOLLOW_REQUEST).exists()
    await follows.approve_follow(row)
    assert (await Follow.get(id=row.id)).state == FollowState.ACCEPTED


# --- policy --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "mode", "decision"),
    [
        (None, "open", "ask_admin"),
        (PolicyKind.ALLOW, "open", "ask_admin"),
        (PolicyKind.SILENCE, "open", "ask_admin"),
        (PolicyKind.BLOCK, "open", "refuse"),
        (None, "allowlist", "refuse"),
        (PolicyKind.ALLOW, "allowlist", "ask_admin"),
        (PolicyKind.SILENCE, "allowlist", "refuse"),
    ],
)
def test_alliance_decision(kind, mode, decision) -> None:
    assert policy.alliance_decision(kind, mode) == decision


def test_domain_names_cover_parents_and_ports() -> None:
    assert domain_names("a.b.example:8443") == ("a.b.example:8443", "a.b.example", "b.example", "example")
    assert domain_names("127.0.0.1:8080") == ("127.0.0.1:8080", "127.0.0.1")
    assert policy.normalise_domain("https://Masto.Example/") == "masto.example"


async def test_policies_cache_sees_changes_and_blocks_cover_subdomains(collective: Actor) -> None:
    policies = policy.DomainPolicies(ttl=3600)
    assert await policies.kind_for("spam.example") is None
    bob = await remote("bob", "eu.spam.example")
    await follows.receive_follow(bob, collective, "https://eu.spam.example/f/1", federation_mode="open")

    await policy.set_domain_policy("spam.example", PolicyKind.BLOCK, reason="spam")

    assert await policies.is_blocked("eu.spam.example") is True
    assert await Follow.all().count() == 0  # blocking ends their follows
    await policy.set_domain_policy("quiet.example", PolicyKind.SILENCE)
    assert await policy.silenced_domains() == frozenset({"quiet.example"})
    assert await policy.clear_domain_policy("spam.example") is True
    assert await policies.kind_for("eu.spam.example") is None
    assert await DomainPolicy.all().count() == 1


async def test_silenced_domains_are_kept_but_left_out_of_public_timelines(collective: Actor) -> None:
    from datetime import datetime

    from fedaid.domain.policy import not_silenced
    from fedaid.models import Post

    loud = await remote("bob", "masto.example")
    quiet = await remote("cy", "eu.quiet.example")
    for number, author in enumerate((loud, quiet)):
        await Post.create(
            id=number + 1, ap_id=f"{author.ap_id}/statuses/1", author=author, published_at=datetime.now(UTC)
        )
    await policy.set_domain_policy("quiet.example", PolicyKind.SILENCE)

    shown = await Post.filter(await not_silenced()).values_list("author_id", flat=True)

    assert shown == [loud.id]
    assert await Post.all().count() == 2


async def test_nobody_follows_the_instance_actor(collective: Actor) -> None:
    instance = await local("aid", type=ActorType.APPLICATION)
    bob = await remote("bob", "masto.example")

    assert await follows.receive_follow(bob, instance, "https://masto.example/f/1", federation_mode="open") is None
    assert [doc["type"] for doc in await sent()] == ["Reject"]
