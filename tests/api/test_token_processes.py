"""A token revoked or refreshed through one process of an instance is refused at once by every other process
(and by the one that revoked it): the API reads tokens from the database, never from a per-process cache."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from fedaid.domain.members import add_member
from fedaid.domain.oauth import register_app

from testsupport import PASSWORD

VERIFY = "/api/v1/accounts/verify_credentials"


@pytest.fixture
async def processes(make_instance):
    """Two processes of one instance (same URL and database), their own ports; an app and a member."""
    first = await make_instance("drivers")
    second = await make_instance("drivers", beside=first)
    with first.db.active():
        await add_member(first.base_url, "ana", email="ana@example.org", password=PASSWORD)
        app, secret = await register_app("Toot", ["urn:ietf:wg:oauth:2.0:oob"], "read write", address="192.0.2.1")
    urls = [first.base_url, f"http://127.0.0.1:{second.runner.addresses[0][1]}"]
    async with aiohttp.ClientSession() as session:
        yield Processes(session, urls, app.client_id, secret)


class Processes:
    def __init__(self, session: aiohttp.ClientSession, urls: list[str], client_id: str, secret: str) -> None:
        self.session, self.urls, self.client = session, urls, {"client_id": client_id, "client_secret": secret}

    async def status(self, process: int, token: str) -> int:
        headers = {"Authorization": f"Bearer {token}"}
        async with self.session.get(self.urls[process] + VERIFY, headers=headers) as answer:
            return answer.status

    async def post(self, process: int, path: str, form: dict[str, str]) -> dict:
        async with self.session.post(self.urls[process] + path, data={**self.client, **form}) as answer:
            assert answer.status == 200, await answer.text()
            return await answer.json()

    async def sign_in(self, process: int) -> dict:
        form = {"grant_type": "password", "username": "ana@example.org", "password": PASSWORD, "scope": "read"}
        return await self.post(process, "/oauth/token", form)


@pytest.mark.parametrize(("revoker", "checker"), [(0, 1), (1, 0), (0, 0)])
@pytest.mark.parametrize("revoked", ["access_token", "refresh_token"])
async def test_a_revoked_token_is_refused_at_once_by_every_process(processes, revoker, checker, revoked):
    # Given a token both processes have just accepted
    pair = await processes.sign_in(revoker)
    assert [await processes.status(n, pair["access_token"]) for n in (0, 1)] == [200, 200]

    # When one process revokes it (by its access or its refresh token)
    await processes.post(revoker, "/oauth/revoke", {"token": pair[revoked]})

    # Then the next request to any process is refused
    assert await processes.status(checker, pair["access_token"]) == 401


@pytest.mark.parametrize(("refresher", "checker"), [(0, 1), (1, 0), (1, 1)])
async def test_after_a_refresh_the_old_token_is_refused_at_once_and_the_new_one_works(processes, refresher, checker):
    old = await processes.sign_in(0)
    assert [await processes.status(n, old["access_token"]) for n in (0, 1)] == [200, 200]

    new = await processes.post(
        refresher, "/oauth/token", {"grant_type": "refresh_token", "refresh_token": old["refresh_token"]}
    )

    assert await processes.status(checker, old["access_token"]) == 401
    assert await processes.status(checker, new["access_token"]) == 200


@pytest.mark.parametrize("revoked", ["access_token", "refresh_token"])
async def test_a_stream_open_on_another_process_ends_when_its_token_is_revoked(processes, revoked):
    # Given a user stream (server-sent events) and a WebSocket stream open on the second process
    pair = await processes.sign_in(0)
    headers = {"Authorization": f"Bearer {pair['access_token']}"}
    url = processes.urls[1] + "/api/v1/streaming"
    async with (
        processes.session.get(url + "/user", headers=headers) as events,
        processes.session.ws_connect(f"{url}?stream=user&access_token={pair['access_token']}") as socket,
    ):
        assert events.status == 200 and await events.content.readuntil(b"\n\n") == b":)\n\n"

        # When the first process revokes its token
        await processes.post(0, "/oauth/revoke", {"token": pair[revoked]})

        # Then both streams end within moments, with nothing more sent
        assert await asyncio.wait_for(events.content.read(), 10) == b""
        closing = await asyncio.wait_for(socket.receive(), 10)
    assert closing.type == aiohttp.WSMsgType.CLOSE and closing.data == aiohttp.WSCloseCode.POLICY_VIOLATION


async def test_a_stream_ends_when_a_refresh_replaces_its_token(processes):
    old = await processes.sign_in(0)
    headers = {"Authorization": f"Bearer {old['access_token']}"}
    async with processes.session.get(processes.urls[1] + "/api/v1/streaming/user", headers=headers) as events:
        assert await events.content.readuntil(b"\n\n") == b":)\n\n"
        await processes.post(0, "/oauth/token", {"grant_type": "refresh_token", "refresh_token": old["refresh_token"]})
        assert await asyncio.wait_for(events.content.read(), 10) == b""
