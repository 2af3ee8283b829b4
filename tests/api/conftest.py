"""Client API fixtures: a live instance on loopback, members with tokens, and a JSON client that checks
every answer against the Mastodon OpenAPI schema."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from mastodon_schema import MastodonSchema  # tests/api is on sys.path (rootdir-relative imports)

from fedaid.domain import oauth
from fedaid.domain.members import Member, add_member

from testsupport import PASSWORD  # noqa: E402  (one password for test members)


@dataclass
class Answer:
    status: int
    body: Any
    headers: Any


@dataclass
class Api:
    """One instance seen through its client API; every JSON answer is checked against Mastodon's schema."""

    instance: Any  # tests.conftest.RunningInstance
    session: aiohttp.ClientSession
    schema: MastodonSchema
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return self.instance.base_url

    async def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        as_: str | None = None,
        json: Any = None,
        data: Any = None,
        params: Any = None,
        headers: dict | None = None,
        check: bool = True,
    ) -> Answer:
        sent = dict(headers or {})
        bearer = token or (self.tokens[as_] if as_ else None)
        if bearer:
            sent["Authorization"] = f"Bearer {bearer}"
        async with self.session.request(
            method, f"{self.base_url}{path}", json=json, data=data, params=params, headers=sent
        ) as response:
            text = await response.text()
            try:
                body = await response.json(content_type=None) if text else None
            except ValueError:
                body = text
            if check and isinstance(body, (dict, list)):
                self.schema.assert_valid(method, path, response.status, body)
            return Answer(response.status, body, response.headers)

    async def get(self, path: str, **kwargs: Any) -> Answer:
        return await self.call("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> Answer:
        return await self.call("POST", path, **kwargs)

    async def add_member(self, username: str, *, scopes: str = "read write follow push", **extra: Any) -> Member:
        """A member of this instance, with a token in `tokens[username]`."""
        with self.instance.db.active():
            member = await add_member(
                self.base_url,
                username,
                email=f"{username}@example.org",
                password=PASSWORD,
                display_name=username.title(),
                **extra,
            )
            self.tokens[username] = await issue_token(member, scopes)
        return member


async def issue_token(member: Member, scopes: str) -> str:
    """A token for `member` through the domain (the HTTP flows have their own tests)."""
    app, secret = await oauth.register_app(
        "test client", ["urn:ietf:wg:oauth:2.0:oob"], "read write follow push", address="127.0.0.1"
    )
    request = await oauth.check_authorization_request(app.client_id, None, scopes, "code")
    code = await oauth.grant_code(request, member.account)
    return (await oauth.exchange_code(app.client_id, secret, code, None)).access_token


@pytest.fixture(scope="session")
def mastodon_schema() -> MastodonSchema:
    return MastodonSchema()


@pytest.fixture
async def make_api(make_instance, mastodon_schema) -> AsyncIterator[Callable[..., Awaitable[Api]]]:
    sessions: list[aiohttp.ClientSession] = []

    async def make(slug: str = "collective", **overrides: Any) -> Api:
        instance = await make_instance(slug, **overrides)
        session = aiohttp.ClientSession()
        sessions.append(session)
        return Api(instance, session, mastodon_schema)

    yield make
    for session in sessions:
        await session.close()


@pytest.fixture
async def api(make_api) -> Api:
    return await make_api()
