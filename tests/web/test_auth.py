"""Sign up, sign in, sign out, sessions, CSRF and the sign-in rate limit."""

from __future__ import annotations

import pytest

from fedaid.domain.members import create_invite
from fedaid.models import Account, AccountRole, AccountState
from tests.web.helpers import PASSWORD, Visitor, make_member


@pytest.fixture
async def instance(make_instance):
    return await make_instance("drivers")


@pytest.fixture
async def visitor(instance):
    person = Visitor(instance.base_url)
    yield person
    await person.close()


async def test_first_admin_signs_up_with_the_invite_link_and_is_signed_in(instance, visitor):
    # Given the first-run invite link
    with instance.db.active():
        token = await create_invite(AccountRole.ADMIN)
    # When someone follows it and fills in the form
    page = await visitor.get(f"/signup?invite={token}")
    assert page.status == 200 and 'name="username"' in page
    page = await visitor.post(
        "/signup",
        {"invite": token, "username": "ana", "display_name": "Ana", "email": "ana@example.org", "password": PASSWORD},
    )
    # Then they land on their profile, signed in, as an admin
    assert page.status == 200, page.text[:3000]
    assert page.url.endswith("/u/ana") and "/signout" in page
    with instance.db.active():
        account = await Account.get(email="ana@example.org")
    assert account.role == AccountRole.ADMIN and account.state == AccountState.APPROVED
    # And the link cannot be used again
    page = await visitor.get(f"/signup?invite={token}")
    assert 'name="username"' not in page


async def test_sign_up_refuses_bad_input_beside_each_field_and_keeps_what_was_typed(instance, visitor):
    with instance.db.active():
        token = await create_invite()
        await make_member(instance.base_url, "taken")
    await visitor.get(f"/signup?invite={token}")
    page = await visitor.post(
        "/signup",
        {"invite": token, "username": "taken", "display_name": "Zoé <b>", "email": "not-an-email", "password": "short"},
    )
    assert page.status == 400
    assert 'id="username-error"' in page and "déjà pris" in page
    assert 'id="email-error"' in page and 'value="not-an-email"' in page
    assert 'id="password-error"' in page and 'value="short"' not in page
    assert 'value="Zoé &lt;b&gt;"' in page
    assert 'aria-invalid="true"' in page


async def test_invite_mode_without_a_link_shows_that_joining_is_by_invitation(instance, visitor):
    page = await visitor.get("/signup")
    assert page.status == 200 and 'name="username"' not in page and "invitation" in page


async def test_approval_mode_creates_a_pending_account_that_cannot_sign_in(make_instance):
    instance = await make_instance("cowork", registration_mode="approval")
    visitor = Visitor(instance.base_url)
    try:
        await visitor.get("/signup")
        form = {"username": "bea", "email": "bea@example.org", "password": PASSWORD, "reason": "Chauffeuse."}
        page = await visitor.post("/signup", form)
        assert page.status == 200 and "approbation" in page
        page = await visitor.post("/signin", {"login": "bea", "password": PASSWORD}, from_page="/signin")
        assert page.status == 400 and "approbation" in page
    finally:
        await visitor.close()


async def test_open_mode_signs_the_new_member_in(make_instance):
    instance = await make_instance("open", registration_mode="open")
    visitor = Visitor(instance.base_url, language="en")
    try:
        await visitor.get("/signup")
        page = await visitor.post("/signup", {"username": "cleo", "email": "cleo@example.org", "password": PASSWORD})
        assert page.url.endswith("/u/cleo") and "Sign out" in page
    finally:
        await visitor.close()


async def test_sign_in_and_out(instance, visitor):
    with instance.db.active():
        await make_member(instance.base_url, "ana")
    page = await visitor.sign_in("ana")
    assert "/signout" in page
    page = await visitor.post("/signout", {})
    assert "/signout" not in page and "/signin" in page


async def test_wrong_password_is_refused_and_the_login_kept(instance, visitor):
    with instance.db.active():
        await make_member(instance.base_url, "ana")
    page = await visitor.post("/signin", {"login": "ana", "password": "wrong password"}, from_page="/signin")
    assert page.status == 400 and 'value="ana"' in page and 'id="password-error"' in page


async def test_sign_in_is_rate_limited_per_address_and_name(instance, visitor):
    with instance.db.active():
        await make_member(instance.base_url, "ana")
    statuses = []
    for _ in range(6):
        page = await visitor.post("/signin", {"login": "ana", "password": "wrong password"}, from_page="/signin")
        statuses.append(page.status)
    assert statuses == [400] * 5 + [429]
    assert "Retry-After" in page.headers


async def test_a_post_without_its_csrf_token_is_refused(instance, visitor):
    with instance.db.active():
        await make_member(instance.base_url, "ana")
    await visitor.get("/signin")
    page = await visitor.post("/signin", {"login": "ana", "password": PASSWORD}, csrf=False)
    assert page.status == 403 and "formulaire" in page
    page = await visitor.post("/signin", {"login": "ana", "password": PASSWORD, "csrf_token": "forged"}, csrf=False)
    assert page.status == 403


async def test_session_cookie_is_encrypted_httponly_and_lax(instance, visitor):
    async with visitor.session.get(instance.base_url + "/signin") as response:
        cookie = response.headers.get("Set-Cookie", "")
    assert cookie.startswith("fedaid_session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "csrf" not in cookie


async def test_language_comes_from_the_switcher_then_the_member_setting(instance, visitor):
    page = await visitor.get("/signin")
    assert '<html lang="fr">' in page
    page = await visitor.post("/language", {"lang": "en", "next": "/signin"})
    assert '<html lang="en">' in page and "Password" in page
    with instance.db.active():
        await make_member(instance.base_url, "ana", locale="fr")
    await visitor.sign_in("ana")
    page = await visitor.get("/signin")
    assert '<html lang="fr">' in page


async def test_accept_language_picks_english_when_nothing_else_says(instance):
    visitor = Visitor(instance.base_url, language="en-GB,en;q=0.9,fr;q=0.5")
    try:
        page = await visitor.get("/signin")
        assert '<html lang="en">' in page
    finally:
        await visitor.close()
