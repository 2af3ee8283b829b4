"""Alliances between three fedaid instances on 127.0.0.1: a drivers' collective, a coworking space and a
coaching circle. Everything travels over real HTTP, signed, through the inbox and the delivery worker.
"""

from __future__ import annotations

import aiohttp
import pytest
from alliance_support import acct, alliances_of, cli

from fedaid.appkeys import FETCHER
from fedaid.domain.instance import get_collective
from fedaid.domain.members import add_member
from fedaid.domain.posts import create_post
from fedaid.federation.fetch import RemoteNotFound
from fedaid.models import AccountRole, Actor, Follow, Notification, NotificationKind, Post, Visibility

from testsupport import drain

AP = "application/activity+json"


@pytest.fixture
async def network(make_instance):
    """drivers allies only with allowlisted domains, each time after an admin says so; the others are open."""
    drivers = await make_instance("drivers", federation_mode="allowlist")
    coworking = await make_instance("coworking")
    coaching = await make_instance("coaching")
    with drivers.db.active():
        await add_member(
            drivers.base_url, "ana", email="ana@example.org", password="correct horse battery", role=AccountRole.ADMIN
        )
    assert "allow" in await cli(drivers, "domain", "allow", coworking.settings.domain)
    return drivers, coworking, coaching


async def test_coworking_asks_drivers_admin_approves_and_both_list_each_other(network):
    drivers, coworking, coaching = network

    # Given the coworking space asks the drivers' collective for an alliance
    out = await cli(coworking, "alliance", "request", acct(drivers))
    assert "Asked" in out
    await drain(drivers, coworking, coaching)

    # Then the request waits for drivers' admin, who is told
    assert await alliances_of(drivers) == {acct(coworking)[1:]: "asked by them, waiting for an admin"}
    with drivers.db.active():
        assert await Notification.filter(kind=NotificationKind.ADMIN_ALLIANCE).count() == 1
    assert "waiting for an admin" in await cli(drivers, "alliance", "list")

    # When the admin approves
    await cli(drivers, "alliance", "approve", acct(coworking))
    await drain(drivers, coworking, coaching)

    # Then the Accept arrives, drivers follows back, and both sides list each other
    assert await alliances_of(drivers) == {acct(coworking)[1:]: "allied"}
    assert await alliances_of(coworking) == {acct(drivers)[1:]: "allied"}
    assert f"{acct(coworking)}\tallied" in await cli(drivers, "alliance", "list")

    # When a drivers member posts for members only
    with drivers.db.active():
        ana = await Actor.get(username="ana", is_local=True)
        post = await create_post(
            ana,
            "Covoiturage vers Lyon jeudi, réservé aux membres",
            visibility=Visibility.MEMBERS,
            audience=await get_collective("drivers"),
        )
    await drain(drivers, coworking, coaching)

    # Then the ally has it, members-only, and nobody else does
    with coworking.db.active():
        received = await Post.get(ap_id=post.ap_id)
    assert received.visibility == Visibility.MEMBERS and "Lyon" in received.content
    with coaching.db.active():
        assert not await Post.filter(ap_id=post.ap_id).exists()
    # and its URL refuses anonymous GETs, and GETs signed by a server that is not an ally, but serves the ally
    async with aiohttp.ClientSession() as session:
        async with session.get(post.ap_id, headers={"Accept": AP}) as response:
            assert response.status == 404
    with pytest.raises(RemoteNotFound):
        await coaching.app[FETCHER].get_json(post.ap_id)
    assert (await coworking.app[FETCHER].get_json(post.ap_id))["id"] == post.ap_id

    # When the coworking space ends it (Undo)
    assert "Ended" in await cli(coworking, "alliance", "end", acct(drivers))
    await drain(drivers, coworking, coaching)

    # Then neither side lists the other, and no follow is left on either side
    assert await alliances_of(drivers) == {}
    assert await alliances_of(coworking) == {}
    for instance in (drivers, coworking):
        with instance.db.active():
            assert await Follow.all().count() == 0


async def test_a_collective_not_on_the_allowlist_is_refused(network):
    drivers, coworking, coaching = network

    await cli(coaching, "alliance", "request", acct(drivers))
    await drain(drivers, coworking, coaching)

    assert await alliances_of(drivers) == {}
    assert await alliances_of(coaching) == {}  # the Reject removed its pending request


async def test_in_open_mode_a_request_waits_for_an_admin_too(network):
    drivers, coworking, coaching = network

    await cli(coaching, "alliance", "request", acct(coworking))
    await drain(drivers, coworking, coaching)

    assert await alliances_of(coworking) == {acct(coaching)[1:]: "asked by them, waiting for an admin"}
    assert await alliances_of(coaching) == {acct(coworking)[1:]: "asked by us, waiting for them"}

    await cli(coworking, "alliance", "approve", acct(coaching))
    await drain(drivers, coworking, coaching)

    assert await alliances_of(coworking) == {acct(coaching)[1:]: "allied"}
    assert await alliances_of(coaching) == {acct(coworking)[1:]: "allied"}


async def test_a_member_follows_a_member_of_another_instance_with_the_cli(network):
    drivers, coworking, coaching = network
    with coworking.db.active():
        await add_member(coworking.base_url, "bea", email="bea@example.org", password="correct horse battery")

    await cli(drivers, "follow", f"@bea@{coworking.settings.domain}", "--as", "ana")
    await drain(drivers, coworking, coaching)

    with drivers.db.active():
        assert await Follow.filter(state="accepted").count() == 1
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{coworking.base_url}/u/bea/followers", headers={"Accept": AP}) as response:
            assert (await response.json())["totalItems"] == 1

    await cli(drivers, "unfollow", f"@bea@{coworking.settings.domain}", "--as", "ana")
    await drain(drivers, coworking, coaching)
    with coworking.db.active():
        assert await Follow.all().count() == 0
