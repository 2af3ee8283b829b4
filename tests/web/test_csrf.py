"""CSRF and sign-in follow the route, never a header a cross-site page may set (issue 14, found item 2).

A signed-in member's browser is made to send forms without the page's token, with every `Accept` and body
encoding an attacker's page can choose; each is refused with a reason and changes nothing. Runs on SQLite
and PostgreSQL.
"""

from __future__ import annotations

from urllib.parse import urlencode

import aiohttp
import pytest

from fedaid.domain.oauth import register_app
from fedaid.models import Actor, DomainPolicy, OAuthCode
from fedaid.models.account import AccountRole
from tests.web.helpers import Visitor, make_member

from testsupport import BACKENDS

# What a page on another site can make a browser send: `Accept` is free with fetch(), and a form's
# enctype is urlencoded, multipart or text/plain.
ACCEPTS = (
    "application/activity+json",
    "text/html, application/ld+json;q=0.1",
    'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
    "APPLICATION/ACTIVITY+JSON",
    "*/*",
)
ENCODINGS = ("urlencoded", "multipart", "text/plain")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def instance(make_instance):
    instance = await make_instance("drivers")
    with instance.db.active():
        await make_member(instance.base_url, "ana", role=AccountRole.ADMIN, display_name="Ana")
    return instance


@pytest.fixture
async def ana(instance):
    visitor = Visitor(instance.base_url)
    await visitor.sign_in("ana")
    yield visitor
    await visitor.close()


async def cross_site_post(visitor: Visitor, path: str, fields: dict[str, str], accept: str, encoding: str):
    """POST `fields` with the member's cookies but without the page's CSRF token, as another site would."""
    headers = {"Accept": accept, "Origin": "https://evil.test", "Referer": "https://evil.test/"}
    if encoding == "urlencoded":
        body: object = fields
    elif encoding == "multipart":
        body = aiohttp.FormData(fields)
        body._is_multipart = True  # noqa: SLF001 - aiohttp sends small forms urlencoded otherwise
    else:
        body = "\r\n".join(f"{name}={value}" for name, value in fields.items())
        headers["Content-Type"] = "text/plain"
    async with visitor.session.post(
        visitor.base_url + path, data=body, headers=headers, allow_redirects=False
    ) as response:
        return response.status, await response.text()


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("encoding", ENCODINGS)
async def test_a_cross_site_profile_change_is_refused_whatever_it_accepts(instance, ana, accept, encoding):
    status, text = await cross_site_post(
        ana, "/settings/profile", {"name": "Pwned", "summary": "x", "language": "fr"}, accept, encoding
    )
    assert status == 403, text[:500]
    assert "did not come from this site" in text or "ne vient pas de ce site" in text or "formulaire" in text
    with instance.db.active():
        assert (await Actor.get(username="ana")).name == "Ana"


@pytest.mark.parametrize("accept", ACCEPTS)
async def test_a_cross_site_domain_block_by_an_admin_is_refused(instance, ana, accept):
    for encoding in ENCODINGS:
        status, _ = await cross_site_post(
            ana, "/admin/policies", {"domain": "victim.example", "kind": "block", "reason": ""}, accept, encoding
        )
        assert status == 403, (accept, encoding)
    with instance.db.active():
        assert await DomainPolicy.all().count() == 0


@pytest.mark.parametrize("accept", ACCEPTS)
async def test_a_cross_site_oauth_approval_issues_no_code(instance, ana, accept):
    with instance.db.active():
        app, _ = await register_app("Evil", ["https://evil.test/cb"], "read write", address="127.0.0.1")
    fields = {
        "client_id": app.client_id,
        "redirect_uri": "https://evil.test/cb",
        "response_type": "code",
        "scope": "read write",
        "decision": "approve",
    }
    for encoding in ENCODINGS:
        status, _ = await cross_site_post(ana, "/oauth/authorize", fields, accept, encoding)
        assert status == 403, (accept, encoding)
    with instance.db.active():
        assert await OAuthCode.all().count() == 0


async def test_a_token_from_another_session_is_refused(instance, ana):
    # Given an attacker's own, valid token (their session, not Ana's)
    attacker = Visitor(instance.base_url)
    try:
        token = (await attacker.get("/signin")).csrf
    finally:
        await attacker.close()
    # When Ana's browser sends it
    page = await ana.post("/settings/profile", {"name": "Pwned", "language": "fr", "csrf_token": token}, csrf=False)
    # Then it is refused
    assert page.status == 403
    with instance.db.active():
        assert (await Actor.get(username="ana")).name == "Ana"


async def test_the_same_form_with_its_token_goes_through_whatever_it_accepts(instance, ana):
    page = await ana.get("/settings")
    async with ana.session.post(
        instance.base_url + "/settings/profile",
        data={"name": "Ana B", "summary": "", "language": "fr", "csrf_token": page.csrf},
        headers={"Accept": "application/activity+json"},
        allow_redirects=False,
    ) as response:
        assert response.status == 303
    with instance.db.active():
        assert (await Actor.get(username="ana")).name == "Ana B"


@pytest.mark.parametrize("accept", ACCEPTS)
async def test_a_page_is_the_same_page_whatever_it_accepts(instance, ana, accept):
    # The route decides who is signed in: asking for AP JSON neither signs Ana out nor skips the page's rules.
    page = await ana.get("/settings", headers={"Accept": accept})
    assert page.status == 200 and "/signout" in page and "csrf_token" in page
    assert page.headers["Content-Type"].startswith("text/html")


async def test_api_and_feeds_do_not_sign_in_by_cookie(instance, ana):
    # Given Ana's signed-in browser: the client API wants a bearer token, whatever the cookie says
    for accept in ("application/json", "text/html", "application/activity+json"):
        async with ana.session.get(
            instance.base_url + "/api/v1/accounts/verify_credentials", headers={"Accept": accept}
        ) as response:
            assert response.status == 401
        async with ana.session.post(
            instance.base_url + "/api/v1/statuses", data={"status": "hello"}, headers={"Accept": accept}
        ) as response:
            assert response.status == 401


async def test_a_negotiated_document_answers_both_ways_without_changing_who_may_post(instance, ana):
    page = await ana.get("/u/ana")
    assert page.status == 200 and "/signout" in page
    async with ana.session.get(
        instance.base_url + "/u/ana", headers={"Accept": "application/activity+json"}
    ) as response:
        assert response.status == 200 and (await response.json())["preferredUsername"] == "ana"
    async with ana.session.post(
        instance.base_url + "/u/ana?" + urlencode({"name": "x"}), headers={"Accept": "application/activity+json"}
    ) as response:
        assert response.status == 405
