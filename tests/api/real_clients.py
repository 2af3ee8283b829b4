"""Driving the real clients in tests: a `requests` session that checks each JSON answer against Mastodon's
OpenAPI description, a Mastodon.py client for an instance, and the member's consent on the web page."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import aiohttp
import requests
from mastodon import Mastodon


def checked_session(schema) -> requests.Session:
    """A requests session that validates each JSON answer (never the event stream, which never ends)."""
    session = requests.Session()

    def check(response: requests.Response, *args, **kwargs) -> None:
        if response.headers.get("Content-Type", "").startswith("application/json"):
            path = urlsplit(response.url).path
            if not path.startswith("/oauth/token"):  # its errors are RFC 6749's, not Mastodon's Error
                schema.check(response.request.method, path, response.status_code, response.json())

    session.hooks["response"].append(check)
    return session


def client_for(api, session, **kwargs) -> Mastodon:
    return Mastodon(
        api_base_url=api.base_url,
        version_check_mode="created",
        session=session,
        ratelimit_method="throw",
        request_timeout=20,
        **kwargs,
    )


HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def hidden_fields(page: str) -> dict[str, str]:
    return {name: html.unescape(value) for name, value in HIDDEN.findall(page)}


async def consent_in_browser(url: str, login: str, password: str) -> str:
    """What a member does in the browser: sign in, approve the app, read the out-of-band code."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        async with browser.get(url) as answer:  # not signed in yet: the sign-in page, back here after
            assert "/signin" in str(answer.url), answer.url
            sign_in = hidden_fields(await answer.text())
        async with browser.post(
            str(answer.url.with_query(None)), data={**sign_in, "login": login, "password": password}
        ) as answer:
            assert answer.status == 200 and "/oauth/authorize" in str(answer.url), await answer.text()
            consent = hidden_fields(await answer.text())
        async with browser.post(str(answer.url.with_query(None)), data={**consent, "decision": "approve"}) as answer:
            page = await answer.text()
    code = re.search(r'id="oauth-code">([^<]+)<', page)
    assert code, page
    return html.unescape(code[1])
