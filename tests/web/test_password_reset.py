"""A forgotten password: a link by mail in the member's language, once, within the hour; the same answer for
unknown addresses; refused links say why and change nothing; `fedaid member reset-password` without mail.
Runs on SQLite and PostgreSQL with a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from fedaid.clock import utcnow
from fedaid.models import Account, AccountToken, JobState, OutboundJob, RateLimit, WebSession
from tests.web.helpers import Visitor, api_status, make_member, token_for

from fakes.smtp import FakeSmtpServer, html_of, text_of
from testsupport import BACKENDS, PASSWORD

NEW_PASSWORD = "a brand new passphrase"
LINK = re.compile(r"(http://127\.0\.0\.1:\d+/reset/[A-Za-z0-9_-]+)")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def smtp() -> AsyncIterator[FakeSmtpServer]:
    server = await FakeSmtpServer().start()
    yield server
    await server.close()


@pytest.fixture
async def instance(make_instance, smtp):
    instance = await make_instance("drivers", smtp_url=smtp.url, trusted_proxies="127.0.0.1")
    with instance.db.active():
        await make_member(instance.base_url, "lea", locale="fr", display_name="Léa")
        await make_member(instance.base_url, "sam", locale="en", display_name="Sam")
    return instance


@pytest.fixture
async def visitors(instance) -> AsyncIterator:
    opened: list[Visitor] = []

    async def open_one(language: str = "fr") -> Visitor:
        visitor = Visitor(instance.base_url, language=language)
        opened.append(visitor)
        return visitor

    yield open_one
    for visitor in opened:
        await visitor.close()


async def ask_reset(visitor: Visitor, email: str, *, client: str = "192.0.2.1"):
    visitor.session.headers["X-Forwarded-For"] = client
    return await visitor.post("/reset", {"email": email}, from_page="/reset")


async def test_a_reset_link_is_mailed_in_each_language_works_once_and_signs_everything_out(instance, smtp, visitors):
    # Given Sam signed in on a laptop and in an app, and Léa too
    laptop = await visitors("en")
    await laptop.sign_in("sam")
    app_token = await token_for(instance, "sam")
    # When each asks for a reset link from another browser
    phone = await visitors("en")
    assert (await ask_reset(phone, "Sam@Example.org")).status == 200
    assert (await ask_reset(await visitors(), "lea@example.org")).status == 200
    await instance.run_worker_once()

    # Then each gets one mail in their language, text and HTML, with the Message-ID fixed when it was queued
    (to_sam,) = smtp.to("sam@example.org")
    (to_lea,) = smtp.to("lea@example.org")
    assert to_sam["Subject"] == "Reset your password on Drivers" and to_sam["Content-Language"] == "en"
    assert to_lea["Subject"] == "Réinitialisez votre mot de passe sur Drivers" and to_lea["Content-Language"] == "fr"
    assert "Hello Sam," in text_of(to_sam) and "within an hour" in text_of(to_sam)
    assert "Bonjour Léa," in text_of(to_lea) and "dans l’heure" in text_of(to_lea)
    assert "Choisir un nouveau mot de passe" in html_of(to_lea)
    assert "List-Unsubscribe" not in to_sam  # not optional: it is about the account itself
    with instance.db.active():
        job = await OutboundJob.get(account__actor__username="sam", template="reset")
        assert job.state == JobState.DONE and to_sam["Message-ID"] == job.message_id
        tokens = await AccountToken.all().values_list("token_hash", flat=True)
    link = LINK.search(text_of(to_sam)).group(1)
    assert link in html_of(to_sam)
    assert all(link.rsplit("/", 1)[1] not in stored for stored in tokens)  # only its hash is kept

    # When Sam opens the link and chooses a new password
    page = await phone.get(link.removeprefix(instance.base_url))
    assert page.status == 200 and "sam" in page and page.headers["Referrer-Policy"] == "no-referrer"
    page = await phone.post(
        link.removeprefix(instance.base_url), {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
    )
    # Then the laptop and the app are signed out, and only the new password signs in
    assert page.status == 200 and page.url.endswith("/signin?done=reset")
    assert "sign in with it" in page
    assert (await laptop.get("/settings", allow_redirects=False)).status == 303
    assert await api_status(instance, app_token) == 401
    refused = await phone.post("/signin", {"login": "sam", "password": PASSWORD}, from_page="/signin")
    assert refused.status == 400
    await phone.sign_in("sam", NEW_PASSWORD)

    # And the link works no more: a 410 that says why, and nothing changes
    other = await visitors("en")
    again = await other.get(link.removeprefix(instance.base_url))
    assert again.status == 410 and "already used" in again
    with instance.db.active():
        before = (await Account.get(actor__username="sam")).password_hash
    again = await other.post(
        link.removeprefix(instance.base_url),
        {"new_password": "yet another password", "confirm_password": "yet another password"},
        from_page="/reset",
    )
    assert again.status == 410 and "already used" in again
    with instance.db.active():
        assert (await Account.get(actor__username="sam")).password_hash == before


async def test_the_reset_form_answers_the_same_whether_the_address_has_an_account_or_not(instance, smtp, visitors):
    visitor = await visitors("en")
    known = await ask_reset(visitor, "sam@example.org")
    unknown = await ask_reset(visitor, "nobody@example.org")
    assert known.status == unknown.status == 200
    assert known.text == unknown.text and "If an account here uses this address" in known
    await instance.run_worker_once()
    assert [message["To"] for message in smtp.messages] == ["sam@example.org"]
    with instance.db.active():
        assert await AccountToken.all().count() == 1


async def test_reset_requests_are_rate_limited_alike_for_known_and_unknown_addresses(instance, visitors):
    # Asked from many places, one address gets three links, then waits, whether it has an account or not
    visitor = await visitors("en")
    answers = {}
    for email in ("sam@example.org", "nobody@example.org"):
        answers[email] = [(await ask_reset(visitor, email, client=f"198.51.100.{n}")).status for n in range(4)]
    assert answers["sam@example.org"] == answers["nobody@example.org"] == [200, 200, 200, 429]
    # And one place asking for many addresses is held back too
    statuses = [(await ask_reset(visitor, f"someone{n}@example.org", client="203.0.113.9")).status for n in range(6)]
    assert statuses == [200] * 5 + [429]
    with instance.db.active():
        assert await AccountToken.all().count() == 3
        assert await RateLimit.filter(bucket__startswith="reset-email:").count() == 7


async def test_a_malformed_address_is_refused_with_a_reason(instance, visitors):
    page = await ask_reset(await visitors("en"), "not an address")
    assert page.status == 400 and 'id="email-error"' in page
    with instance.db.active():
        assert not await AccountToken.exists() and not await OutboundJob.exists()


async def test_an_expired_link_is_refused_and_its_mail_is_not_sent_after_the_hour(instance, smtp, visitors):
    # Given a reset asked while the mail server was down: the attempt failed and waits for a retry
    await smtp.close()
    await ask_reset(await visitors("en"), "sam@example.org")
    await instance.run_worker_once()
    with instance.db.active():
        job = await OutboundJob.get(template="reset")
        assert job.state == JobState.PENDING and job.attempts == 1
        assert job.expires_at is not None and job.expires_at <= utcnow() + timedelta(hours=1)
        # When the hour passes before the retry
        past = utcnow() - timedelta(seconds=1)
        await OutboundJob.filter(id=job.id).update(next_attempt_at=past, expires_at=past)
        await AccountToken.all().update(expires_at=past)
    fresh = await FakeSmtpServer().start()
    try:
        await instance.run_worker_once()
        # Then the mail is never sent: the link it carried is dead
        assert fresh.messages == []
    finally:
        await fresh.close()
    with instance.db.active():
        assert (await OutboundJob.get(id=job.id)).state == JobState.GONE


async def test_an_expired_or_unknown_link_gets_a_4xx_page_that_says_why_and_changes_nothing(instance, visitors):
    from fedaid.domain.account_tokens import issue_token
    from fedaid.models import TokenPurpose

    with instance.db.active():
        account = await Account.get(actor__username="lea")
        token, row = await issue_token(account, TokenPurpose.RESET_PASSWORD)
        await AccountToken.filter(id=row.id).update(expires_at=utcnow() - timedelta(minutes=1))
        before = account.password_hash
        sessions = await WebSession.all().count()
    visitor = await visitors("en")
    page = await visitor.get(f"/reset/{token}")
    assert page.status == 410 and "expired" in page
    page = await visitor.post(
        f"/reset/{token}", {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}, from_page="/reset"
    )
    assert page.status == 410 and "expired" in page
    french = await visitors("fr")
    page = await french.get(f"/reset/{token}")
    assert page.status == 410 and "expiré" in page
    page = await visitor.get("/reset/not-a-token")
    assert page.status == 404 and "not valid" in page
    with instance.db.active():
        assert (await Account.get(id=account.id)).password_hash == before
        assert (await AccountToken.get(id=row.id)).used_at is None
        assert await WebSession.all().count() == sessions


async def test_a_too_short_password_does_not_spend_the_link(instance, smtp, visitors):
    visitor = await visitors("en")
    await ask_reset(visitor, "sam@example.org")
    await instance.run_worker_once()
    path = LINK.search(text_of(smtp.messages[0])).group(1).removeprefix(instance.base_url)
    await visitor.get(path)
    page = await visitor.post(path, {"new_password": "short", "confirm_password": "short"})
    assert page.status == 400 and 'id="new_password-error"' in page
    page = await visitor.post(path, {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert page.url.endswith("/signin?done=reset")


async def test_without_smtp_the_page_says_to_ask_an_admin_and_nothing_is_queued(make_instance):
    instance = await make_instance("quiet")
    with instance.db.active():
        await make_member(instance.base_url, "sam", locale="en")
    visitor = Visitor(instance.base_url, language="en")
    try:
        page = await visitor.get("/reset")
        assert "fedaid member reset-password" in page and 'action="/reset"' not in page
        page = await visitor.post("/reset", {"email": "sam@example.org"}, from_page="/reset")
        assert page.status == 200
    finally:
        await visitor.close()
    with instance.db.active():
        assert not await AccountToken.exists() and not await OutboundJob.exists()
