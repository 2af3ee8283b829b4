"""Authorized-fetch mode (Mastodon's AUTHORIZED_FETCH): AP JSON only for valid signed GETs; blocked domains get 403."""

from __future__ import annotations

import aiohttp
import pytest
from inbox_support import start_drivers

from fedaid.appkeys import REMOTE_ACTORS
from fedaid.domain import alliances, policy
from fedaid.domain.instance import get_collective
from fedaid.federation.signatures import sign_request
from fedaid.models import Actor, PolicyKind

from fakes.remote_instance import start_fake_remote
from testsupport import drain

AP = "application/activity+json"


async def get(url: str, headers: dict[str, str] | None = None) -> int:
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers or {"Accept": AP}) as response:
        await response.read()
        return response.status


def signed_by(fake, user: str, url: str) -> dict[str, str]:
    """A GET signed the way Mastodon signs it, by one of the fake's users."""
    return {
        "Accept": AP,
        **sign_request("GET", url, key_id=fake.key_id(user), private_key_pem=fake.users[user].private_pem, accept=AP),
    }


@pytest.fixture
async def fake(aiohttp_server):
    return await start_fake_remote(aiohttp_server, usernames=("alice",))


@pytest.mark.parametrize(
    "path", ["/u/ana", "/c/drivers", "/u/ana/followers", "/c/drivers/following", "/u/ana/outbox", "/actor/followers"]
)
async def test_ap_json_needs_a_signed_get_in_authorized_fetch_mode(make_instance, fake, path):
    drivers = await start_drivers(make_instance, authorized_fetch=True)
    url = drivers.base_url + path

    assert await get(url) == 401
    assert await get(url, signed_by(fake, "alice", url)) == 200
    if path in ("/u/ana", "/c/drivers"):
        assert await get(url, {"Accept": "text/html"}) == 200  # the page for people is not AP JSON


async def test_the_instance_actor_stays_open_so_others_can_check_our_signatures(make_instance):
    drivers = await start_drivers(make_instance, authorized_fetch=True)

    assert await get(f"{drivers.base_url}/actor") == 200


async def test_without_authorized_fetch_anyone_reads_public_json(make_instance):
    drivers = await start_drivers(make_instance)

    assert await get(f"{drivers.base_url}/u/ana") == 200


async def test_a_get_signed_by_a_blocked_domain_is_refused(make_instance, fake):
    drivers = await start_drivers(make_instance)
    with drivers.db.active():
        await policy.set_domain_policy(fake.domain, PolicyKind.BLOCK)
    url = f"{drivers.base_url}/u/ana"

    assert await get(url, signed_by(fake, "alice", url)) == 403


async def test_two_collectives_in_authorized_fetch_mode_still_ally(make_instance):
    drivers = await make_instance("drivers", authorized_fetch=True)
    coworking = await make_instance("coworking", authorized_fetch=True)
    with coworking.db.active():
        group = await coworking.app[REMOTE_ACTORS].resolve_acct(f"drivers@{drivers.settings.domain}")
        await alliances.request_alliance(await get_collective("coworking"), group)
    await drain(drivers, coworking)
    with drivers.db.active():
        asking = await Actor.get(ap_id=f"{coworking.base_url}/c/coworking")
        await alliances.approve_alliance(await get_collective("drivers"), asking)

    await drain(drivers, coworking)

    for instance, slug in ((drivers, "drivers"), (coworking, "coworking")):
        with instance.db.active():
            [alliance] = await alliances.list_alliances(await get_collective(slug))
            assert alliance.is_active
