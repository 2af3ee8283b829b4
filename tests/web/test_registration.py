"""Joining: the registration mode admins set on the web, applications with a reason and a decision by mail in
the applicant's language, and the optional confirmation of a new member's address. Runs on SQLite and
PostgreSQL with a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import aiohttp
import pytest

from fedaid.models import Account, AccountRole, AccountState, CollectivePage, Notification, NotificationKind
from tests.web.helpers import Visitor, make_member

from fakes.smtp import FakeSmtpServer, html_of, text_of
from testsupport import BACKENDS, PASSWORD

CONFIRM_LINK = re.compile(r"http://127\.0\.0\.1:\d+(/confirm/[A-Za-z0-9_-]+)")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def smtp() -> AsyncIterator[FakeSmtpServer]:
    server = await FakeSmtpServer().start()
    yield server
    await server.close()


@pytest.fixture
async def visitors() -> AsyncIterator:
    opened: list[Visitor] = []

    async def open_one(instance, language: str = "fr", *, as_user: str | None = None) -> Visitor:
        visitor = Visitor(instance.base_url, language=language)
        opened.append(visitor)
        if as_user:
            await visitor.sign_in(as_user)
        return visitor

    yield open_one
    for visitor in opened:
        await visitor.close()


async def instance_json(instance, path: str) -> dict:
    async with aiohttp.ClientSession() as http:
        async with http.get(instance.base_url + path) as response:
            return await response.json(content_type=None)


async def sign_up(visitor: Visitor, username: str, **extra: str):
    form = {"username": username, "email": f"{username}@example.org", "password": PASSWORD, **extra}
    return await visitor.post("/signup", form, from_page="/signup")


async def test_an_admin_sets_the_registration_mode_on_the_web_and_it_wins_over_the_setting(make_instance, visitors):
    # Given an instance configured for invitations only
    instance = await make_instance("drivers", registration_mode="invite")
    with instance.db.active():
        await make_member(instance.base_url, "ana", role=AccountRole.ADMIN)
    admin = await visitors(instance, "en", as_user="ana")
    visitor = await visitors(instance, "en")
    assert 'name="username"' not in await visitor.get("/signup")
    # When an admin opens applications on the collective's settings page
    page = await admin.get("/admin/collective")
    assert 'name="registration_mode"' in page and '<option value="invite" selected>' in page
    form = {"name": "Drivers", "summary": "", "rules": "", "contact": "", "registration_mode": "approval"}
    page = await admin.post("/admin/collective", form)
    assert page.status == 200 and '<option value="approval" selected>' in page
    # Then the sign-up page, the about page, the API and NodeInfo all say so
    page = await visitor.get("/signup")
    assert 'name="username"' in page and 'name="reason"' in page
    assert "an admin approves new members" in await visitor.get("/about")
    v2 = await instance_json(instance, "/api/v2/instance")
    assert v2["registrations"] == {**v2["registrations"], "enabled": True, "approval_required": True}
    assert (await instance_json(instance, "/api/v1/instance"))["approval_required"] is True
    assert (await instance_json(instance, "/nodeinfo/2.0"))["openRegistrations"] is False
    # And a mode that does not exist is refused, keeping the one chosen
    page = await admin.post("/admin/collective", {**form, "registration_mode": "everyone"})
    assert page.status == 400 and 'id="registration_mode-error"' in page
    with instance.db.active():
        assert await CollectivePage.all().values_list("registration_mode", flat=True) == ["approval"]
    page = await admin.post("/admin/collective", {**form, "registration_mode": "open"})
    assert (await instance_json(instance, "/nodeinfo/2.0"))["openRegistrations"] is True


async def test_applicants_give_a_reason_admins_see_it_and_each_hears_the_decision_in_their_language(
    make_instance, smtp, visitors
):
    # Given an instance where an admin approves each account, with mail
    instance = await make_instance("drivers", registration_mode="approval", smtp_url=smtp.url)
    with instance.db.active():
        await make_member(instance.base_url, "ana", role=AccountRole.ADMIN)
    sam_browser, lea_browser = await visitors(instance, "en"), await visitors(instance, "fr")
    # When Sam applies without a reason, he is asked for one and nothing is stored
    page = await sign_up(sam_browser, "sam")
    assert page.status == 400 and 'id="reason-error"' in page
    with instance.db.active():
        assert not await Account.filter(email="sam@example.org").exists()
    # And with reasons, Sam (English) and Léa (French) wait
    page = await sign_up(sam_browser, "sam", reason="I drive in Lyon and can help with taxes.")
    assert page.status == 200 and "waiting for an admin" in page
    page = await sign_up(lea_browser, "lea", reason="Je conduis à Villeurbanne.")
    assert page.status == 200
    # Then the admin sees their reasons on the members page
    admin = await visitors(instance, "en", as_user="ana")
    page = await admin.get("/admin/members")
    assert "I drive in Lyon and can help with taxes." in page and "Je conduis à Villeurbanne." in page
    with instance.db.active():
        sam, lea = await Account.get(email="sam@example.org"), await Account.get(email="lea@example.org")
        assert await Notification.filter(kind=NotificationKind.ADMIN_SIGN_UP).count() == 2
    # When the admin approves Sam and refuses Léa
    assert (await admin.post(f"/admin/members/{sam.id}/approve", {})).status == 200
    assert (await admin.post(f"/admin/members/{lea.id}/refuse", {}, from_page="/admin/members")).status == 200
    again = await admin.post(f"/admin/members/{lea.id}/approve", {}, from_page="/admin/members")
    assert again.status == 409
    await instance.run_worker_once()
    # Then each gets one mail with the decision, in their language
    (to_sam,) = smtp.to("sam@example.org")
    (to_lea,) = smtp.to("lea@example.org")
    assert to_sam["Subject"] == "Welcome to Drivers: your account is approved"
    assert "You can sign in now" in text_of(to_sam) and f"{instance.base_url}/signin" in html_of(to_sam)
    assert to_lea["Subject"] == "Votre demande pour rejoindre Drivers"
    assert "a refusé votre demande" in text_of(to_lea) and "a refusé votre demande" in html_of(to_lea)
    assert to_lea["Content-Language"] == "fr" and to_sam["Content-Language"] == "en"
    # And only Sam signs in
    await sam_browser.sign_in("sam")
    page = await lea_browser.post("/signin", {"login": "lea", "password": PASSWORD}, from_page="/signin")
    assert page.status == 400
    with instance.db.active():
        assert (await Account.get(id=lea.id)).state == AccountState.SUSPENDED


async def test_a_new_member_confirms_their_address_before_signing_in(make_instance, smtp, visitors):
    # Given an open instance that asks new members to confirm their address
    instance = await make_instance("drivers", registration_mode="open", smtp_url=smtp.url, email_confirmation=True)
    visitor = await visitors(instance, "fr")
    # When Léa signs up
    page = await sign_up(visitor, "lea")
    assert page.status == 200 and "lea@example.org" in page and "/signout" not in page
    # Then she cannot sign in yet, and gets a link in French
    page = await visitor.post("/signin", {"login": "lea", "password": PASSWORD}, from_page="/signin")
    assert page.status == 400 and "Confirmez" in page
    await instance.run_worker_once()
    (mail,) = smtp.to("lea@example.org")
    assert mail["Subject"] == "Confirmez votre adresse sur Drivers"
    path = CONFIRM_LINK.search(text_of(mail)).group(1)
    assert path in html_of(mail)
    # When she opens it, she is confirmed and signs in
    page = await visitor.get(path)
    assert page.url.endswith("/signin?done=confirmed") and "adresse est confirmée" in page
    await visitor.sign_in("lea")
    # And the link works once
    page = await visitor.get(path)
    assert page.status == 410 and "déjà servi" in page


async def test_in_approval_mode_admins_hear_of_an_applicant_once_their_address_is_confirmed(
    make_instance, smtp, visitors
):
    instance = await make_instance("drivers", registration_mode="approval", smtp_url=smtp.url, email_confirmation=True)
    with instance.db.active():
        await make_member(instance.base_url, "ana", role=AccountRole.ADMIN)
    visitor = await visitors(instance, "en")
    await sign_up(visitor, "sam", reason="Driver, Lyon.")
    with instance.db.active():
        assert not await Notification.filter(kind=NotificationKind.ADMIN_SIGN_UP).exists()
    await instance.run_worker_once()
    path = CONFIRM_LINK.search(text_of(smtp.to("sam@example.org")[0])).group(1)
    page = await visitor.get(path)
    assert page.url.endswith("/signin?done=confirmed-pending") and "you will get a mail with the decision" in page
    with instance.db.active():
        assert await Notification.filter(kind=NotificationKind.ADMIN_SIGN_UP).count() == 1


async def test_without_mail_no_confirmation_is_asked(make_instance, visitors):
    instance = await make_instance("drivers", registration_mode="open", email_confirmation=True)
    visitor = await visitors(instance, "en")
    page = await sign_up(visitor, "sam")
    assert page.url.endswith("/u/sam") and "/signout" in page
