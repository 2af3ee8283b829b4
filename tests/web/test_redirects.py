"""Redirects stay on this site, read as a browser reads them (issue 14, found item 3).

`local_path` is checked against the spellings a browser turns into another site; then the sign-in and the
language switcher are driven over HTTP with each of them, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from fedaid.web.redirects import local_path
from tests.web.helpers import Visitor, make_member

from testsupport import BACKENDS

# Each would take a browser to evil.test (or run script) if sent as `Location`.
HOSTILE = (
    "//evil.test",
    "///evil.test",
    "/\\evil.test",
    "\\\\evil.test",
    "\\/evil.test",
    "/\t/evil.test",
    "/\n/evil.test",
    "/\r\n/evil.test",
    "\t//evil.test",
    " //evil.test",
    "\x00//evil.test",
    "/%09/evil.test",
    "/%2F%2Fevil.test",
    "/%2f/evil.test",
    "/%5Cevil.test",
    "/%5C%5Cevil.test",
    "/%252F%252Fevil.test",
    "/%0D%0A/evil.test",
    "https://evil.test",
    "HTTPS://evil.test/",
    "https:evil.test",
    "https:/\\evil.test",
    "http:\\\\evil.test",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.test",
    "/ok\u2028x",
    "",
)
LOCAL = ("/", "/settings", "/proposals/12#agreements", "/search?q=a%2Fb&c=d", "/u/ana", "/proposals/new?x=1")


@pytest.mark.parametrize("target", HOSTILE)
def test_hostile_targets_become_the_default(target):
    assert local_path(target, default="/home") == "/home"


@pytest.mark.parametrize("target", LOCAL)
def test_paths_on_this_site_are_kept(target):
    assert local_path(target) == target


def test_tabs_newlines_and_backslashes_are_read_as_a_browser_reads_them():
    assert local_path("/set\ttings") == "/settings"
    assert local_path("/a\\b") == "/a/b"
    assert local_path("/ok\r\nSet-Cookie: a=b") == "/okSet-Cookie: a=b"  # no header can be injected


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def instance(make_instance):
    instance = await make_instance("drivers")
    with instance.db.active():
        await make_member(instance.base_url, "ana")
    return instance


async def test_sign_in_never_sends_the_browser_elsewhere(instance):
    for target in HOSTILE:
        visitor = Visitor(instance.base_url)
        try:
            page = await visitor.get("/signin?next=" + quote(target, safe=""))
            assert page.status == 200
            async with visitor.session.post(
                instance.base_url + "/signin",
                data={"login": "ana", "password": "correct horse battery", "next": target, "csrf_token": page.csrf},
                allow_redirects=False,
            ) as response:
                assert response.status == 303, repr(target)
                assert response.headers["Location"] == "/", repr(target)
        finally:
            await visitor.close()


async def test_the_sign_in_form_keeps_only_a_local_next(instance):
    visitor = Visitor(instance.base_url)
    try:
        page = await visitor.get("/signin?next=" + quote("/%09/evil.test", safe=""))
        assert 'name="next" value="/"' in page
        page = await visitor.get("/signin?next=" + quote("/settings", safe=""))
        assert 'name="next" value="/settings"' in page
        async with visitor.session.post(
            instance.base_url + "/signin",
            data={"login": "ana", "password": "correct horse battery", "next": "/settings", "csrf_token": page.csrf},
            allow_redirects=False,
        ) as response:
            assert response.headers["Location"] == "/settings"
    finally:
        await visitor.close()


async def test_the_language_switcher_never_sends_the_browser_elsewhere(instance):
    visitor = Visitor(instance.base_url)
    try:
        page = await visitor.get("/signin")
        for target in ("/%09/evil.test", "//evil.test", "/\\evil.test", "https://evil.test", "javascript:x"):
            async with visitor.session.post(
                instance.base_url + "/language",
                data={"lang": "en", "next": target, "csrf_token": page.csrf},
                allow_redirects=False,
            ) as response:
                assert response.status == 303 and response.headers["Location"] == "/", repr(target)
    finally:
        await visitor.close()
