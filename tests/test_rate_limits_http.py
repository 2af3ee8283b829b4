"""Password checks, sign-ups and app registrations over HTTP: 429 with Retry-After, per client address (from
X-Forwarded-For only behind a trusted proxy) and per account, counted alike by every process of an instance."""

from __future__ import annotations

import re
from dataclasses import dataclass

import aiohttp
import pytest

from fedaid.domain import limits
from fedaid.domain.members import add_member
from fedaid.domain.oauth import register_app

from testsupport import PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
GUESS = "Summer2024!!"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    text: str


class Browser:
    """A cookie-keeping client that fills the sign-in form, optionally through a proxy naming `forwarded_for`."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def sign_in(self, login: str, password: str, *, forwarded_for: str | None = None) -> Answer:
        headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
        async with self.session.get(f"{self.base_url}/signin", headers=headers) as page:
            token = CSRF.search(await page.text())[1]
        form = {"login": login, "password": password, "csrf_token": token}
        async with self.session.post(
            f"{self.base_url}/signin", data=form, headers=headers, allow_redirects=False
        ) as answer:
            return Answer(answer.status, dict(answer.headers), await answer.text())

    async def close(self) -> None:
        await self.session.close()


async def post(url: str, data: dict[str, str], *, forwarded_for: str | None = None) -> Answer:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    async with aiohttp.ClientSession() as session, session.post(url, data=data, headers=headers) as answer:
        return Answer(answer.status, dict(answer.headers), await answer.text())


@pytest.fixture
async def browsers():
    opened: list[Browser] = []

    def open_at(base_url: str) -> Browser:
        opened.append(Browser(base_url))
        return opened[-1]

    yield open_at
    for browser in opened:
        await browser.close()


async def start(make_instance, **overrides):
    instance = await make_instance("drivers", **overrides)
    with instance.db.active():
        await add_member(instance.base_url, "ana", email="ana@example.org", password=PASSWORD)
        app, secret = await register_app("Toot", ["urn:ietf:wg:oauth:2.0:oob"], "read write", address="192.0.2.250")
    instance.client = (app.client_id, secret)
    return instance


def refused(answers: list[Answer]) -> list[bool]:
    return [answer.status == 429 for answer in answers]


def assert_retry_after(answer: Answer) -> None:
    assert answer.status == 429
    assert int(answer.headers["Retry-After"]) >= 1


# --- web sign-in ---------------------------------------------------------------------------------


async def test_web_sign_in_one_password_against_many_names_is_slowed(make_instance, browsers):
    instance = await start(make_instance)
    browser = browsers(instance.base_url)
    free = limits.PASSWORD_BY_ADDRESS.free

    answers = [await browser.sign_in(f"member{n}", GUESS) for n in range(free + 2)]

    assert refused(answers) == [False] * free + [True, True]
    assert_retry_after(answers[-1])
    assert "Trop de" in answers[-1].text or "Too many" in answers[-1].text


async def test_web_sign_in_one_name_from_many_addresses_is_slowed(make_instance, browsers):
    instance = await start(make_instance, trusted_proxies="127.0.0.1")
    browser = browsers(instance.base_url)
    free = limits.PASSWORD_BY_ACCOUNT.free

    answers = [await browser.sign_in("ana", GUESS, forwarded_for=f"203.0.113.{n}") for n in range(free + 2)]

    assert refused(answers) == [False] * free + [True, True]
    assert_retry_after(answers[-1])


# --- the OAuth password grant --------------------------------------------------------------------


def password_grant(instance, username: str, password: str) -> dict[str, str]:
    client_id, secret = instance.client
    return {
        "grant_type": "password",
        "client_id": client_id,
        "client_secret": secret,
        "username": username,
        "password": password,
        "scope": "read",
    }


async def test_password_grant_one_password_against_many_names_is_slowed(make_instance):
    instance = await start(make_instance)
    url, free = f"{instance.base_url}/oauth/token", limits.PASSWORD_BY_ADDRESS.free

    answers = [await post(url, password_grant(instance, f"m{n}@example.org", GUESS)) for n in range(free + 2)]

    assert [answer.status for answer in answers] == [400] * free + [429, 429]
    assert_retry_after(answers[-1])


async def test_password_grant_one_name_from_many_addresses_is_slowed(make_instance):
    instance = await start(make_instance, trusted_proxies="127.0.0.0/8, ::1")
    url, free = f"{instance.base_url}/oauth/token", limits.PASSWORD_BY_ACCOUNT.free
    grant = password_grant(instance, "ana@example.org", GUESS)

    answers = [await post(url, grant, forwarded_for=f"198.51.100.{n}") for n in range(free + 2)]

    assert [answer.status for answer in answers] == [400] * free + [429, 429]
    assert_retry_after(answers[-1])


async def test_password_grant_and_web_sign_in_share_one_count(make_instance, browsers):
    instance = await start(make_instance, trusted_proxies="127.0.0.1")
    browser = browsers(instance.base_url)
    free = limits.PASSWORD_BY_ACCOUNT.free
    for n in range(free):
        via_api = n % 2 == 0
        if via_api:
            grant = password_grant(instance, "ana@example.org", GUESS)
            await post(f"{instance.base_url}/oauth/token", grant, forwarded_for=f"198.51.100.{n}")
        else:
            await browser.sign_in("ana", GUESS, forwarded_for=f"198.51.100.{n}")

    answer = await browser.sign_in("ana", PASSWORD, forwarded_for="198.51.100.200")

    assert_retry_after(answer)


async def test_a_right_password_still_gets_a_token(make_instance):
    instance = await start(make_instance)

    answer = await post(f"{instance.base_url}/oauth/token", password_grant(instance, "ana@example.org", PASSWORD))

    assert answer.status == 200 and "access_token" in answer.text


# --- X-Forwarded-For ------------------------------------------------------------------------------


@pytest.mark.parametrize("trusted", ["", "10.0.0.0/8", "192.0.2.1"])
async def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(make_instance, browsers, trusted):
    # Given an instance that does not trust its peer (127.0.0.1) as a proxy
    instance = await start(make_instance, trusted_proxies=trusted)
    browser = browsers(instance.base_url)
    free = limits.PASSWORD_BY_ADDRESS.free

    # When each guess claims another address
    answers = [await browser.sign_in(f"member{n}", GUESS, forwarded_for=f"203.0.113.{n}") for n in range(free + 1)]

    # Then all of them count for the peer
    assert refused(answers) == [False] * free + [True]


@pytest.mark.parametrize("trusted", ["127.0.0.1", "127.0.0.0/8", "::1, 127.0.0.1"])
async def test_x_forwarded_for_from_a_trusted_proxy_names_the_client(make_instance, browsers, trusted):
    instance = await start(make_instance, trusted_proxies=trusted)
    browser = browsers(instance.base_url)
    free = limits.PASSWORD_BY_ADDRESS.free

    answers = [await browser.sign_in(f"member{n}", GUESS, forwarded_for=f"203.0.113.{n}") for n in range(free + 3)]

    assert not any(refused(answers))


async def test_a_client_cannot_hide_behind_addresses_it_writes_before_the_proxys(make_instance, browsers):
    # nginx appends the address it saw; whatever the client wrote before that is not believed
    instance = await start(make_instance, trusted_proxies="127.0.0.1")
    browser = browsers(instance.base_url)
    free = limits.PASSWORD_BY_ADDRESS.free

    answers = [
        await browser.sign_in(f"member{n}", GUESS, forwarded_for=f"10.9.9.{n}, 203.0.113.7") for n in range(free + 1)
    ]

    assert refused(answers) == [False] * free + [True]


# --- sign-ups and app registrations --------------------------------------------------------------


async def test_app_registrations_per_address_are_limited(make_instance):
    instance = await start(make_instance)
    form = {"client_name": "Toot", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read"}
    free = limits.APP_REGISTRATION.free

    answers = [await post(f"{instance.base_url}/api/v1/apps", form) for _ in range(free + 1)]

    assert [answer.status for answer in answers] == [200] * free + [429]
    assert_retry_after(answers[-1])
    assert "error" in answers[-1].text


async def test_sign_ups_per_address_are_limited(make_instance, browsers):
    instance = await start(make_instance, registration_mode="approval")
    free = limits.SIGN_UP.free
    statuses = []
    for n in range(free + 1):
        browser = browsers(instance.base_url)
        async with browser.session.get(f"{instance.base_url}/signup") as page:
            token = CSRF.search(await page.text())[1]
        form = {"username": f"new{n}", "email": f"new{n}@example.org", "password": PASSWORD, "csrf_token": token}
        form["reason"] = "A driver in Lyon."
        async with browser.session.post(f"{instance.base_url}/signup", data=form) as answer:
            statuses.append(answer.status)
            headers = dict(answer.headers)

    assert statuses == [200] * free + [429]
    assert int(headers["Retry-After"]) > 60


# --- several processes ---------------------------------------------------------------------------


async def test_attempts_count_across_processes_of_one_instance(make_instance, browsers):
    # Given two processes of one instance, sharing its database
    first = await start(make_instance)
    second = await make_instance("drivers", beside=first)
    second_url = f"http://127.0.0.1:{second.runner.addresses[0][1]}"
    free = limits.PASSWORD_BY_ADDRESS.free

    # When guesses alternate between them
    answers = []
    for n in range(free + 1):
        browser = browsers(first.base_url if n % 2 else second_url)
        answers.append(await browser.sign_in(f"member{n}", GUESS))

    # Then both count the same attempts
    assert refused(answers) == [False] * free + [True]
