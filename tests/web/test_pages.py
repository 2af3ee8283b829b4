"""Every page, signed out, as a member and as an admin: no server error, nothing left in English in French."""

from __future__ import annotations

import re

import aiohttp
import pytest
from aiohttp.test_utils import make_mocked_request

from fedaid.federation.inbox import receive_inbox_post
from fedaid.web.catalogs import read_catalog
from fedaid.web.site import is_inbox_post
from tests.web.crawl import active_content, crawl, readable_text
from tests.web.helpers import Visitor
from tests.web.site_data import XSS, populate, seeds


def english_only_phrases() -> list[re.Pattern[str]]:
    """Every English message whose French differs, as whole-word patterns (placeholders split it)."""
    patterns = []
    for message in read_catalog("fr"):
        if not message.id or message.pluralizable:
            continue
        if message.string == message.id:
            continue
        for chunk in re.split(r"%\(\w+\)s", message.id):
            chunk = chunk.strip(" .:;,!?")
            if len(chunk) >= 4 and re.search(r"[A-Za-z]{3}", chunk) and (" " in chunk or len(chunk) >= 5):
                patterns.append(re.compile(rf"(?<![\w-]){re.escape(chunk)}(?![\w-])"))
    return patterns


@pytest.fixture
async def site(make_instance):
    instance = await make_instance("drivers")
    with instance.db.active():
        data = await populate(instance.base_url)
    return instance, data


# The admin's crawl also runs on PostgreSQL: it reaches every query the pages make.
@pytest.mark.parametrize(
    ("backend", "who"), [("sqlite", "nobody"), ("sqlite", "bea"), ("sqlite", "ana"), ("postgres", "ana")]
)
async def test_crawl_finds_no_server_error_and_no_english_in_french(site, who):
    instance, data = site
    visitor = Visitor(instance.base_url, language="fr")
    try:
        if who != "nobody":
            await visitor.sign_in(who)
        pages = await crawl(visitor, seeds(data))
        english = english_only_phrases()
        assert len(pages) > 20
        for path, page in pages.items():
            assert page.status < 500, f"{path} answered {page.status}: {page.text[:500]}"
            if "html" in page.headers.get("Content-Type", ""):
                assert '<html lang="fr">' in page.text, path
                text = readable_text(page.text)
                leftovers = [p.pattern for p in english if p.search(text)]
                assert not leftovers, f"{path} shows English in French: {leftovers}"
                assert not active_content(page.text), f"{path} lets active content through"
    finally:
        await visitor.close()


async def test_admin_pages_are_refused_to_members_and_visitors(site):
    instance, _ = site
    visitor = Visitor(instance.base_url)
    try:
        page = await visitor.get("/admin/members", allow_redirects=False)
        assert page.status == 303 and "/signin" in page.headers["Location"]
        await visitor.sign_in("bea")
        page = await visitor.get("/admin/members")
        assert page.status == 403
        page = await visitor.post("/admin/members/1/suspend", {})
        assert page.status == 403
    finally:
        await visitor.close()


async def test_every_page_works_in_english_too(site):
    instance, data = site
    visitor = Visitor(instance.base_url, language="en")
    try:
        await visitor.sign_in("ana")
        await visitor.post("/language", {"lang": "en", "next": "/"})
        pages = await crawl(visitor, seeds(data), limit=60)
        for path, page in pages.items():
            assert page.status < 500, path
        assert "Offers and requests" in pages["/"].text
    finally:
        await visitor.close()


async def test_feeds_are_atom_and_escape_content(site):
    instance, data = site
    visitor = Visitor(instance.base_url)
    try:
        page = await visitor.get("/feed.atom")
        assert page.status == 200 and page.headers["Content-Type"].startswith("application/atom+xml")
        assert '<feed xmlns="http://www.w3.org/2005/Atom">' in page.text
        assert "Relecture de devis" in page.text and "<script>" not in page.text
        page = await visitor.get("/categories/communication/feed.atom")
        assert page.status == 200 and "Relecture de devis" in page.text
        assert (await visitor.get("/categories/nope/feed.atom")).status == 404
        page = await visitor.get("/u/ana/feed.atom")
        assert page.status == 200 and "Relecture de devis" in page.text
    finally:
        await visitor.close()


async def test_pages_send_a_strict_content_security_policy(site):
    instance, data = site
    visitor = Visitor(instance.base_url)
    try:
        page = await visitor.get(f"/proposals/{data.remote_proposal.id}")
        assert "script-src 'self'" in page.headers["Content-Security-Policy"]
        assert XSS not in page.text and "javascript:alert" not in page.text
    finally:
        await visitor.close()


async def test_inbox_posts_get_json_errors_without_page_headers_or_cookie(site):
    instance, _ = site
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{instance.base_url}/u/ana/inbox",
            data=b'{"type": "Follow"}',
            headers={"Content-Type": "application/activity+json"},
        ) as answer:
            assert answer.status == 400  # an activity without an id
            assert "error" in await answer.json()
            assert "Content-Security-Policy" not in answer.headers and "Set-Cookie" not in answer.headers
            assert answer.headers["X-Request-Id"]
        async with http.get(f"{instance.base_url}/signin") as page:
            assert page.status == 200 and "script-src 'self'" in page.headers["Content-Security-Policy"]
            assert "Set-Cookie" in page.headers  # the sign-in form's CSRF token lives in the session


async def test_only_the_inbox_routes_skip_sessions_and_pages(site):
    # Given every POST route of the instance
    instance, _ = site
    posts = [route for route in instance.app.router.routes() if route.method == "POST"]
    assert any(route.handler is receive_inbox_post for route in posts)
    for route in posts:
        request = make_mocked_request("POST", route.resource.canonical, app=instance.app)
        # Then the middleware's fast path takes exactly the inbox routes: no page loses its CSRF check
        assert is_inbox_post(request) == (route.handler is receive_inbox_post), route.resource.canonical
