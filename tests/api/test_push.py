"""Web Push for Mastodon apps: /api/v1/push/subscription, the VAPID key apps see, and pushes that a push
service on 127.0.0.1 decrypts with the subscription's private key."""

from __future__ import annotations

import asyncio

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from fedaid.domain.categories import ensure_default_categories
from fedaid.domain.proposals import create_proposal
from fedaid.domain.responses import respond
from fedaid.models import JobState, Notification, OutboundJob, PushSubscription
from tests.domain.mutual_aid_factories import terms

from fakes.push_service import FakePushService

mastodon = pytest.importorskip("mastodon")
from mastodon import Mastodon  # noqa: E402

ALERTS = {"mention": True, "follow": True, "favourite": False}


async def test_an_app_subscribes_and_each_notification_arrives_encrypted_with_what_apps_read(make_api, aiohttp_server):
    # Given Ana's app subscribed to pushes, on an instance whose VAPID key apps can read
    api = await make_api()
    service = await FakePushService().start(aiohttp_server)
    with api.instance.db.active():
        await ensure_default_categories()
        ana = await api.add_member("ana", locale="en")
    subscription = service.subscribe("ana-phone")
    created = await api.post(
        "/api/v1/push/subscription", as_="ana", json={"subscription": subscription, "data": {"alerts": ALERTS}}
    )
    assert created.status == 200, created.body
    server_key = (await api.get("/api/v2/instance")).body["configuration"]["vapid"]["public_key"]
    registered = await api.post(
        "/api/v1/apps", data={"client_name": "Tusky", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}
    )
    assert created.body["server_key"] == server_key == registered.body["vapid_key"] and len(server_key) == 87
    assert created.body["endpoint"] == subscription["endpoint"] and created.body["alerts"]["mention"] is True

    # When Cy answers Ana's offer and the worker runs
    with api.instance.db.active():
        cy = await api.add_member("cy")
        await respond(await create_proposal(ana.actor, terms(title="Site web")), cy.actor, "Je peux aider")
        notification = await Notification.get(kind="response")
    await api.instance.run_worker_once()
    await api.instance.run_worker_once()

    # Then one push arrived, encrypted for the subscription, saying who answered which offer
    (push,) = service.pushes("ana-phone")
    assert push.payload == {
        "access_token": api.tokens["ana"],
        "preferred_locale": "en",
        "notification_id": notification.id,
        "notification_type": "response",
        "icon": f"{api.base_url}/static/avatar.png",
        "title": "Cy responded to « Site web ».",
        "body": "Site web",
    }
    assert push.body_bytes < 4096 and push.headers["TTL"] and push.headers["Urgency"] == "normal"
    assert push.headers["Authorization"].startswith("vapid t=") and f"k={server_key}" in push.headers["Authorization"]


async def test_show_update_and_delete_the_subscription(make_api, aiohttp_server):
    api = await make_api()
    service = await FakePushService().start(aiohttp_server)
    with api.instance.db.active():
        await api.add_member("ana")
    await api.post("/api/v1/push/subscription", as_="ana", json={"subscription": service.subscribe("p")})
    shown = await api.get("/api/v1/push/subscription", as_="ana")
    assert shown.status == 200 and shown.body["policy"] == "all" and shown.body["alerts"]["follow"] is False

    updated = await api.call(
        "PUT", "/api/v1/push/subscription", as_="ana", json={"data": {"alerts": {"follow": True}, "policy": "none"}}
    )
    assert updated.body["alerts"]["follow"] is True and updated.body["policy"] == "none"

    assert (await api.call("DELETE", "/api/v1/push/subscription", as_="ana")).body == {}
    assert (await api.get("/api/v1/push/subscription", as_="ana")).status == 404


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"keys": {"p256dh": "bm90IGEga2V5", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}}, "p256dh"),
        ({"keys": {"auth": "c2hvcnQ"}}, "auth"),
        ({"endpoint": "ftp://127.0.0.1/push/x"}, "endpoint"),
    ],
)
async def test_a_malformed_subscription_is_refused_with_a_reason_and_nothing_is_stored(
    make_api, aiohttp_server, change, reason
):
    api = await make_api()
    service = await FakePushService().start(aiohttp_server)
    with api.instance.db.active():
        await api.add_member("ana")
    subscription = service.subscribe("p")
    subscription = {**subscription, **change, "keys": {**subscription["keys"], **change.get("keys", {})}}
    answer = await api.post("/api/v1/push/subscription", as_="ana", json={"subscription": subscription})
    assert answer.status == 422 and reason in answer.body["error"]
    with api.instance.db.active():
        assert not await PushSubscription.exists()


async def test_a_push_service_answering_410_deletes_the_subscription(make_api, aiohttp_server):
    api = await make_api()
    service = await FakePushService().start(aiohttp_server)
    service.answer = 410
    with api.instance.db.active():
        await ensure_default_categories()
        ana = await api.add_member("ana")
        cy = await api.add_member("cy")
    await api.post("/api/v1/push/subscription", as_="ana", json={"subscription": service.subscribe("old")})
    with api.instance.db.active():
        await respond(await create_proposal(ana.actor, terms()), cy.actor, "Oui")
    await api.instance.run_worker_once()
    await api.instance.run_worker_once()
    assert len(service.pushes("old")) == 1
    with api.instance.db.active():
        assert not await PushSubscription.exists() and not await OutboundJob.filter(state=JobState.PENDING).exists()


async def test_mastodon_py_push_subscription_calls_work(make_api, aiohttp_server):
    # Given Ana signed in with Mastodon.py
    api = await make_api()
    service = await FakePushService().start(aiohttp_server)
    with api.instance.db.active():
        await ensure_default_categories()
        ana = await api.add_member("ana")
        cy = await api.add_member("cy")
    client = await asyncio.to_thread(
        Mastodon, api_base_url=api.base_url, access_token=api.tokens["ana"], version_check_mode="none"
    )
    private, public = await asyncio.to_thread(client.push_subscription_generate_keys)
    endpoint = f"{service.base_url}/push/mastodon-py"

    # When it subscribes, reads, updates and later deletes the subscription
    created = await asyncio.to_thread(client.push_subscription_set, endpoint, public, mention_events=True)
    assert created["endpoint"] == endpoint and created["alerts"]["mention"] is True
    assert (await asyncio.to_thread(client.push_subscription))["id"] == created["id"]
    updated = await asyncio.to_thread(client.push_subscription_update, follow_events=True)
    assert updated["alerts"]["follow"] is True and updated["alerts"]["mention"] is True

    # Then a push made for its keys decrypts with the private key Mastodon.py generated
    service.adopt("mastodon-py", ec.derive_private_key(private["privkey"], ec.SECP256R1()), private["auth"])
    with api.instance.db.active():
        await respond(await create_proposal(ana.actor, terms(title="Vélo")), cy.actor, "Moi")
    await api.instance.run_worker_once()
    await api.instance.run_worker_once()
    (push,) = service.pushes("mastodon-py")
    assert push.payload["title"] == "Cy a répondu à « Vélo »." and push.payload["access_token"] == api.tokens["ana"]

    await asyncio.to_thread(client.push_subscription_delete)
    with api.instance.db.active():
        assert not await PushSubscription.exists()


async def test_pushes_go_to_https_endpoints_only_and_never_to_private_addresses(make_api, aiohttp_server):
    # Given an instance in production settings: an http endpoint is refused with a reason, nothing stored
    strict = await make_api("strict", allow_http=False)
    service = await FakePushService().start(aiohttp_server)
    with strict.instance.db.active():
        await strict.add_member("ana")
    answer = await strict.post("/api/v1/push/subscription", as_="ana", json={"subscription": service.subscribe("p")})
    assert answer.status == 422 and "endpoint" in answer.body["error"]
    with strict.instance.db.active():
        assert not await PushSubscription.exists()

    # And an instance that refuses private addresses (http allowed, to reach the push service on 127.0.0.1)
    api = await make_api("private", allow_private_addresses=False)
    with api.instance.db.active():
        await ensure_default_categories()
        ana, cy = await api.add_member("ana"), await api.add_member("cy")
    await api.post("/api/v1/push/subscription", as_="ana", json={"subscription": service.subscribe("loopback")})

    # When a notification is pushed there
    with api.instance.db.active():
        await respond(await create_proposal(ana.actor, terms()), cy.actor, "Oui")
    await api.instance.run_worker_once()
    await api.instance.run_worker_once()

    # Then nothing reached the address, and the job gave up saying why
    assert service.pushes("loopback") == []
    with api.instance.db.active():
        (job,) = await OutboundJob.filter(channel="push")
    assert job.state == JobState.GIVEN_UP and "127.0.0.1" in job.last_error
