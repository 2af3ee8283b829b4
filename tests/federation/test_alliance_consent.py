"""Alliances by consent, on three fedaid instances on 127.0.0.1: a request waits for an admin of the asked
collective in every federation mode, the admin decides on the federation page, and members-only posts reach
a collective only while the alliance is approved on both sides.
"""

from __future__ import annotations

import sys

import pytest
from alliance_support import acct, alliances_of, cli

from fedaid.appkeys import FETCHER
from fedaid.domain.instance import get_collective
from fedaid.domain.posts import create_post
from fedaid.federation.fetch import RemoteNotFound
from fedaid.models import AccountRole, Actor, Notification, NotificationKind, Post, Visibility

from fakes.push_service import FakePushService, subscribe_to_pushes
from fakes.smtp import FakeSmtpServer, text_of
from testsupport import REPO_ROOT, drain

sys.path.insert(0, str(REPO_ROOT))  # for `tests.web.helpers`, as tests/web/conftest.py does
from tests.web.helpers import Visitor, make_member  # noqa: E402


@pytest.fixture
async def network(make_instance):
    """coworking (open) is asked by coaching (open) and by drivers (allowlist mode, which changes nothing here:
    the mode only says who may ask)."""
    coworking = await make_instance("coworking")
    coaching = await make_instance("coaching")
    drivers = await make_instance("drivers", federation_mode="allowlist")
    with coworking.db.active():
        await make_member(coworking.base_url, "cora", role=AccountRole.ADMIN, locale="en")
    yield coworking, coaching, drivers


async def members_post(instance, text: str) -> Post:
    with instance.db.active():
        cora = await Actor.get(username="cora", is_local=True)
        return await create_post(
            cora, text, visibility=Visibility.MEMBERS, audience=await get_collective(instance.settings.collective_slug)
        )


async def has_post(instance, post: Post) -> bool:
    with instance.db.active():
        return await Post.filter(ap_id=post.ap_id, deleted_at__isnull=True).exists()


async def test_a_request_waits_for_an_admin_then_members_posts_follow_the_alliance(network):
    coworking, coaching, drivers = network
    admin = Visitor(coworking.base_url, language="en")
    await admin.sign_in("cora")
    try:
        # Given coaching and drivers both ask coworking, whose federation mode is open
        await cli(coaching, "alliance", "request", acct(coworking))
        await cli(drivers, "domain", "allow", coworking.settings.domain)
        await cli(drivers, "alliance", "request", acct(coworking))
        await drain(coworking, coaching, drivers)

        # Then both requests wait for coworking's admin, who is told with a link to decide
        waiting = "asked by them, waiting for an admin"
        assert await alliances_of(coworking) == {acct(coaching)[1:]: waiting, acct(drivers)[1:]: waiting}
        assert await alliances_of(coaching) == {acct(coworking)[1:]: "asked by us, waiting for them"}
        with coworking.db.active():
            notes = await Notification.filter(kind=NotificationKind.ADMIN_ALLIANCE).prefetch_related("from_actor")
            coaching_group = await Actor.get(ap_id=f"{coaching.base_url}/c/coaching")
        assert sorted(note.from_actor.username for note in notes) == ["coaching", "drivers"]
        page = await admin.get("/notifications")
        assert f'href="/admin/federation#alliance-{coaching_group.id}"' in page
        assert "asks to ally" in page

        # And a members-only post reaches nobody yet
        before = await members_post(coworking, "Salle de réunion libre mardi, pour les membres")
        await drain(coworking, coaching, drivers)
        assert not await has_post(coaching, before) and not await has_post(drivers, before)
        with pytest.raises(RemoteNotFound):
            await coaching.app[FETCHER].get_json(before.ap_id)

        # When the admin approves coaching's request on the federation page
        page = await admin.get("/admin/federation")
        assert f'action="/admin/alliances/{coaching_group.id}/approve"' in page
        page = await admin.post(f"/admin/alliances/{coaching_group.id}/approve", {})
        assert page.status == 200
        await drain(coworking, coaching, drivers)

        # Then both sides list each other as allies; drivers still waits
        assert (await alliances_of(coworking))[acct(coaching)[1:]] == "allied"
        assert (await alliances_of(coworking))[acct(drivers)[1:]] == waiting
        assert await alliances_of(coaching) == {acct(coworking)[1:]: "allied"}

        # And members-only posts reach coaching, not drivers; the earlier one can now be fetched by coaching
        during = await members_post(coworking, "Atelier compta jeudi, pour les membres")
        await drain(coworking, coaching, drivers)
        assert await has_post(coaching, during) and not await has_post(drivers, during)
        assert (await coaching.app[FETCHER].get_json(before.ap_id))["id"] == before.ap_id
        with pytest.raises(RemoteNotFound):
            await drivers.app[FETCHER].get_json(during.ap_id)

        # When the admin ends the alliance on the same page
        page = await admin.post(f"/admin/alliances/{coaching_group.id}/end", {}, from_page="/admin/federation")
        assert page.status == 200
        await drain(coworking, coaching, drivers)

        # Then the Undo and Reject reached coaching, whose list is empty too
        assert acct(coaching)[1:] not in await alliances_of(coworking)
        assert await alliances_of(coaching) == {}
        # And members-only posts stop reaching coaching, and what it had can no longer be fetched
        after = await members_post(coworking, "Repas partagé vendredi, pour les membres")
        await drain(coworking, coaching, drivers)
        assert not await has_post(coaching, after)
        with pytest.raises(RemoteNotFound):
            await coaching.app[FETCHER].get_json(during.ap_id)
    finally:
        await admin.close()


async def test_an_admin_refuses_a_request_and_the_asker_forgets_it(network):
    coworking, coaching, drivers = network
    await cli(coaching, "alliance", "request", acct(coworking))
    await drain(coworking, coaching, drivers)

    assert "Refused" in await cli(coworking, "alliance", "reject", acct(coaching))
    await drain(coworking, coaching, drivers)

    assert await alliances_of(coworking) == {}
    assert await alliances_of(coaching) == {}


async def test_the_admin_is_mailed_and_pushed_about_a_request_in_their_language(make_instance, aiohttp_server):
    smtp = await FakeSmtpServer().start()
    service = await FakePushService().start(aiohttp_server)
    try:
        coworking = await make_instance("coworking", smtp_url=smtp.url, mail_from="aide@cowork.example")
        coaching = await make_instance("coaching")
        with coworking.db.active():
            cora = await make_member(coworking.base_url, "cora", role=AccountRole.ADMIN, locale="en")
            await subscribe_to_pushes(cora, service)
        await cli(coaching, "alliance", "request", acct(coworking))
        await drain(coworking, coaching)
        await drain(coworking, coaching)  # the notification's mail and push jobs, then their sending

        (mail,) = smtp.to("cora@example.org")
        assert "asks to ally with ours" in mail["Subject"] and "coaching" in mail["Subject"].lower()
        assert coworking.base_url in text_of(mail)
        (push,) = service.pushes("lea-phone")
        assert push.payload["notification_type"] == "admin.alliance" and "asks to ally" in push.payload["title"]
    finally:
        await smtp.close()
