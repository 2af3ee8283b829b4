"""Sessions live on the server: signing out, a password change, a suspension and "sign out everywhere" end
them for every copy of the cookie; the settings list browsers and apps, each revocable (issue 14, item 5).
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from fedaid.models import Account, AccountRole, OAuthToken, WebSession
from tests.web.helpers import Visitor, api_status, make_member, new_app, token_for

from testsupport import BACKENDS, PASSWORD

NEW_PASSWORD = "another horse battery staple"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def instance(make_instance):
    instance = await make_instance("drivers")
    with instance.db.active():
        await make_member(instance.base_url, "ana", role=AccountRole.ADMIN)
        await make_member(instance.base_url, "bea")
    return instance


@pytest.fixture
async def browsers(instance):
    """Opens signed-in browsers; all closed after the test."""
    opened: list[Visitor] = []

    async def open_as(username: str | None = None, **headers: str) -> Visitor:
        visitor = Visitor(instance.base_url)
        visitor.session.headers.update(headers)
        opened.append(visitor)
        if username:
            await visitor.sign_in(username)
        return visitor

    yield open_as
    for visitor in opened:
        await visitor.close()


async def copy_of(visitor: Visitor, browsers) -> Visitor:
    """Another browser holding a copy of `visitor`'s cookies, as a thief would."""
    thief = await browsers()
    thief.session.cookie_jar.update_cookies(visitor.session.cookie_jar.filter_cookies(visitor.base_url))
    return thief


async def is_signed_in(visitor: Visitor) -> bool:
    page = await visitor.get("/settings", allow_redirects=False)
    return page.status == 200 and "/signout" in page


async def test_a_cookie_copied_before_sign_out_no_longer_signs_in(instance, browsers):
    # Given Ana signed in, and copies of her cookie taken before she signs out
    ana = await browsers("ana")
    copies = [await copy_of(ana, browsers) for _ in range(2)]
    assert all([await is_signed_in(copy) for copy in copies])
    # When she signs out
    page = await ana.post("/signout", from_page="/settings")
    assert page.status == 200
    # Then no copy signs anyone in, for reading or for sending forms
    assert not await is_signed_in(ana)
    for copy in copies:
        assert not await is_signed_in(copy)
        page = await copy.get("/settings", allow_redirects=False)
        assert page.status == 303 and page.headers["Location"].startswith("/signin")
        answer = await copy.post("/settings/profile", {"name": "Thief", "language": "fr"}, from_page="/signin")
        assert answer.status == 401
    with instance.db.active():
        assert await WebSession.filter(account__actor__username="ana").count() == 0
        assert (await Account.get(actor__username="ana").select_related("actor")).actor.name == "Ana"


async def test_a_password_change_ends_every_other_session_and_app_token(instance, browsers):
    # Given Ana in two browsers, a copied cookie and an app
    laptop, phone = await browsers("ana"), await browsers("ana")
    stolen = await copy_of(laptop, browsers)
    token = await token_for(instance, "ana")
    assert await api_status(instance, token) == 200
    # When she changes her password on the laptop
    page = await laptop.post(
        "/settings/password",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
        from_page="/settings/security",
    )
    # Then the laptop stays signed in with a new session, and nothing else does
    assert page.status == 200 and page.url.endswith("/settings/security?saved=password"), page.text[:500]
    assert await is_signed_in(laptop)
    assert not await is_signed_in(phone) and not await is_signed_in(stolen)
    assert await api_status(instance, token) == 401
    with instance.db.active():
        assert await WebSession.filter(account__actor__username="ana").count() == 1
    # And only the new password signs in
    fresh = await browsers()
    page = await fresh.post("/signin", {"login": "ana", "password": PASSWORD}, from_page="/signin")
    assert page.status == 400
    await fresh.sign_in("ana", NEW_PASSWORD)


@pytest.mark.parametrize(
    "form, field",
    [
        (
            {"current_password": "wrong password!", "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
            "current_password",
        ),
        ({"current_password": "", "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}, "current_password"),
        ({"current_password": PASSWORD, "new_password": "short", "confirm_password": "short"}, "new_password"),
        (
            {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": "different one!"},
            "confirm_password",
        ),
    ],
)
async def test_a_refused_password_change_says_why_and_changes_nothing(instance, browsers, form, field):
    ana, phone = await browsers("ana"), await browsers("ana")
    with instance.db.active():
        before = (await Account.get(actor__username="ana")).password_hash
    page = await ana.post("/settings/password", form, from_page="/settings/security")
    assert page.status == 400 and f'id="{field}-error"' in page
    assert NEW_PASSWORD not in page and PASSWORD not in page
    with instance.db.active():
        assert (await Account.get(actor__username="ana")).password_hash == before
    assert await is_signed_in(ana) and await is_signed_in(phone)


async def test_sign_out_everywhere_ends_every_browser(instance, browsers):
    ana = [await browsers("ana") for _ in range(3)]
    bea = await browsers("bea")
    page = await ana[0].post("/settings/sessions/end-all", from_page="/settings/security")
    assert page.status == 200 and page.url.endswith("/signin")
    for browser in ana:
        assert not await is_signed_in(browser)
    assert await is_signed_in(bea)  # another member's sessions are hers


async def test_the_settings_list_browsers_and_end_one(instance, browsers):
    # Given Ana on Firefox and on another browser
    firefox = await browsers("ana", **{"User-Agent": FIREFOX})
    other = await browsers("ana")
    page = await other.get("/settings/security")
    assert "Firefox 128, Linux" in page and "127.0.0.0/24" in page  # addresses masked by default
    with instance.db.active():
        firefox_session = await WebSession.get(user_agent=FIREFOX)
    # When she ends the Firefox session from the other browser
    page = await other.post(f"/settings/sessions/{firefox_session.id}/end", from_page="/settings/security")
    # Then Firefox is signed out and the other browser is not
    assert page.status == 200 and "Firefox 128" not in page
    assert not await is_signed_in(firefox) and await is_signed_in(other)


async def test_nobody_ends_another_members_session(instance, browsers):
    bea = await browsers("bea")
    ana = await browsers("ana")
    with instance.db.active():
        bea_session = await WebSession.get(account__actor__username="bea")
    await ana.post(f"/settings/sessions/{bea_session.id}/end", from_page="/settings/security")
    assert await is_signed_in(bea)


async def test_addresses_are_shown_as_configured(make_instance, browsers):
    instance = await make_instance("quiet", session_addresses="none")
    with instance.db.active():
        await make_member(instance.base_url, "ana")
    visitor = Visitor(instance.base_url)
    try:
        await visitor.sign_in("ana")
        page = await visitor.get("/settings/security")
        assert "127.0.0" not in page
        with instance.db.active():
            assert (await WebSession.get()).address is None
    finally:
        await visitor.close()


async def test_revoking_an_app_revokes_its_tokens_and_only_its_own(instance, browsers):
    # Given two apps Ana authorised (one of them twice), and Bea's use of the first
    tusky_app, ivory_app = await new_app(instance, "Tusky"), await new_app(instance, "Ivory")
    tusky = [await token_for(instance, "ana", tusky_app) for _ in range(2)]
    ivory = await token_for(instance, "ana", ivory_app)
    bea_tusky = await token_for(instance, "bea", tusky_app)
    assert [await api_status(instance, token) for token in [*tusky, ivory, bea_tusky]] == [200] * 4
    ana = await browsers("ana")
    page = await ana.get("/settings/security")
    assert "Tusky" in page and "Ivory" in page and page.text.count("/revoke") == 2
    # When she revokes Tusky
    page = await ana.post(f"/settings/apps/{tusky_app[0].id}/revoke", from_page="/settings/security")
    # Then its tokens stop working; Ivory and Bea's tokens do not
    assert page.status == 200 and "Tusky" not in page.text.split('id="apps"')[1]
    assert [await api_status(instance, token) for token in tusky] == [401, 401]
    assert await api_status(instance, ivory) == 200 and await api_status(instance, bea_tusky) == 200


async def test_suspension_ends_sessions_and_tokens(instance, browsers):
    bea = await browsers("bea")
    token = await token_for(instance, "bea")
    assert await api_status(instance, token) == 200
    admin = await browsers("ana")
    with instance.db.active():
        bea_account = await Account.get(actor__username="bea")
    page = await admin.post(f"/admin/members/{bea_account.id}/suspend", from_page="/admin/members")
    assert page.status == 200
    assert not await is_signed_in(bea)
    assert await api_status(instance, token) == 401
    with instance.db.active():
        assert await WebSession.filter(account_id=bea_account.id).count() == 0
        assert await OAuthToken.filter(account_id=bea_account.id, revoked_at__isnull=True).count() == 0
