"""Tests for fedaid/federation/fetch.py against real aiohttp servers on 127.0.0.1.

Only loopback ever receives traffic: every other address in here must be refused before connecting.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from ipaddress import ip_address
from typing import Any

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from fedaid.errors import FetchError, UnsafeAddress
from fedaid.federation.fetch import (
    AP_ACCEPT,
    Fetcher,
    IPAddress,
    RemoteGone,
    RemoteNotFound,
    RemoteStatusError,
    check_url,
    guarded_socket_factory,
    is_public_address,
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
LOOPBACK = ip_address("127.0.0.1")


class Remote:
    """Another server on 127.0.0.1: serves the handlers a test registers, records every request."""

    def __init__(self) -> None:
        self.handlers: dict[str, Handler] = {}
        self.requests: list[web.Request] = []
        self.server: Any = None

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(request)
        handler = self.handlers.get(request.path)
        return await handler(request) if handler else web.Response(status=404)

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def paths(self) -> list[str]:
        return [request.path for request in self.requests]

    def serve_json(self, path: str, document: Any, content_type: str = "application/activity+json") -> None:
        async def handler(request: web.Request) -> web.Response:
            return web.Response(body=json.dumps(document).encode(), headers={"Content-Type": content_type})

        self.handlers[path] = handler

    def serve_actor(self, path: str, content_type: str = "application/activity+json") -> str:
        """Serve an actor whose id is its own URL, as Mastodon's JsonLdHelper requires; return that URL."""
        url = self.url(path)
        self.serve_json(path, actor(url), content_type)
        return url

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        async def handler(request: web.Request) -> web.Response:
            return web.Response(status=status, headers={"Location": location})

        self.handlers[path] = handler

    def answer_status(self, path: str, status: int) -> None:
        async def handler(request: web.Request) -> web.Response:
            return web.Response(status=status)

        self.handlers[path] = handler


@pytest.fixture
async def remote(aiohttp_server: Any) -> Remote:
    fake = Remote()
    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", fake.dispatch)
    fake.server = await aiohttp_server(app)
    return fake


def actor(url: str) -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": url,
        "type": "Person",
        "preferredUsername": "ana",
        "inbox": f"{url}/inbox",
    }


def only_127_0_0_1(ip: IPAddress) -> bool:
    """A test policy: the fake remote is reachable, every other address (even ::1) is not."""
    return ip == LOOPBACK


@asynccontextmanager
async def open_fetcher(**overrides: Any) -> AsyncIterator[Fetcher]:
    options: dict[str, Any] = {
        "allow_private_addresses": True,
        "allow_http": True,
        "user_agent": "fedaid-test",
        "connect_timeout": 1,
        "total_timeout": 3,
    }
    options.update(overrides)
    async with Fetcher(**options) as fetcher:
        yield fetcher


class FakeResolver(AbstractResolver):
    """DNS as a dict: name → one address, to play DNS rebinding without touching real DNS."""

    def __init__(self, addresses: dict[str, str]) -> None:
        self.addresses = addresses

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        address = self.addresses[host]
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [
            {
                "hostname": host,
                "host": address,
                "port": port,
                "family": family,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
        ]

    async def close(self) -> None:
        pass


# --- the address policy, pure -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("1.1.1.1", True),
        ("2606:4700:4700::1111", True),
        ("64:ff9b::808:808", True),  # NAT64 form of 8.8.8.8
        ("127.0.0.1", False),
        ("127.255.0.9", False),
        ("::1", False),
        ("10.0.0.1", False),
        ("172.16.0.1", False),
        ("172.31.255.254", False),
        ("192.168.1.1", False),
        ("fc00::1", False),
        ("fd12:3456::1", False),
        ("169.254.169.254", False),
        ("fe80::1", False),
        ("100.64.0.0", False),
        ("100.64.0.1", False),
        ("100.127.255.255", False),
        ("224.0.0.1", False),
        ("239.255.255.250", False),
        ("ff02::1", False),
        ("ff0e::1", False),
        ("0.0.0.0", False),
        ("::", False),
        ("240.0.0.1", False),
        ("255.255.255.255", False),
        ("192.0.2.1", False),  # documentation
        ("2001:db8::1", False),  # documentation
        ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
        ("::ffff:10.0.0.1", False),
        ("::ffff:169.254.169.254", False),
        ("::ffff:8.8.8.8", True),
        ("64:ff9b::a00:1", False),  # NAT64 form of 10.0.0.1
        ("2002:a00:1::1", False),  # 6to4 form of 10.0.0.1
        ("fec0::1", False),  # deprecated site-local
    ],
)
def test_is_public_address(address: str, public: bool) -> None:
    assert is_public_address(ip_address(address)) is public


def test_socket_factory_refuses_a_disallowed_address() -> None:
    make_socket = guarded_socket_factory(is_public_address)
    with pytest.raises(OSError, match="10.0.0.1 is a private or reserved address"):
        make_socket((socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("10.0.0.1", 80)))
    make_socket((socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("8.8.8.8", 80))).close()


@pytest.mark.parametrize("url", ["https://aid.example/a", "http://aid.example/a", "https://other.example/b"])
def test_check_url_accepts_https_after_anything(url: str) -> None:
    check_url("https://aid.example/b", allow_http=False, previous=url)


def test_check_url_refuses_https_to_http_downgrade_even_when_http_is_allowed() -> None:
    with pytest.raises(UnsafeAddress, match="from https to http"):
        check_url("http://aid.example/b", allow_http=True, previous="https://aid.example/a")
    check_url("http://aid.example/b", allow_http=True, previous="http://aid.example/a")


# --- the SSRF guard, against the network ---------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/x",
        "http://[::1]/x",
        "http://[::ffff:127.0.0.1]/x",
        "http://0.0.0.0/x",
        "http://224.0.0.1/x",
    ],
)
async def test_refuses_private_addresses_before_connecting(url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="fedaid.fetch")
    # Connecting to any of these would fail differently (timeout, refused); UnsafeAddress proves no attempt.
    async with open_fetcher(allow_private_addresses=False) as fetcher:
        with pytest.raises(UnsafeAddress, match="private or reserved address") as refusal:
            await fetcher.get_json(url)
    assert url in str(refusal.value)
    assert any(url in record.getMessage() for record in caplog.records if record.levelno == logging.INFO)


async def test_refuses_loopback_by_default(remote: Remote) -> None:
    url = remote.serve_actor("/users/ana")
    async with open_fetcher(allow_private_addresses=False) as fetcher:
        with pytest.raises(UnsafeAddress, match="127.0.0.1 is a private or reserved address"):
            await fetcher.get_json(url)
    assert remote.requests == []


async def test_refuses_a_name_that_resolves_to_loopback(remote: Remote) -> None:
    remote.serve_actor("/users/ana")
    url = f"http://localhost:{remote.port}/users/ana"
    async with open_fetcher(allow_private_addresses=False) as fetcher:
        with pytest.raises(UnsafeAddress, match="its host is not a public address") as refusal:
            await fetcher.get_json(url, check_id=False)
    assert "127.0.0.1" not in str(refusal.value)  # what the name resolves to is not told
    assert remote.requests == []


async def test_refuses_a_name_rebound_to_a_private_address() -> None:
    resolver = FakeResolver({"rebind.example": "10.0.0.1"})
    async with open_fetcher(allow_private_addresses=False, resolver=resolver) as fetcher:
        with pytest.raises(UnsafeAddress, match="its host is not a public address") as refusal:
            await fetcher.get_json("http://rebind.example/users/ana")
    assert "10.0.0.1" not in str(refusal.value)


async def test_connects_to_a_name_whose_address_is_allowed(remote: Remote) -> None:
    # Given a name that resolves to the fake remote, and a policy that allows only that address
    resolver = FakeResolver({"aid.example": "127.0.0.1"})
    url = f"http://aid.example:{remote.port}/users/ana"
    remote.serve_json("/users/ana", actor(url))
    # When
    async with open_fetcher(address_allowed=only_127_0_0_1, resolver=resolver) as fetcher:
        document = await fetcher.get_json(url)
    # Then
    assert document["id"] == url
    assert remote.requests[0].host == f"aid.example:{remote.port}"


@pytest.mark.parametrize(
    "target",
    [
        "http://10.0.0.1/x",
        "http://[::1]:{port}/users/ana",
        "http://169.254.169.254/latest/meta-data/",
        "http://rebind.example/x",
    ],
)
async def test_refuses_a_redirect_to_a_private_address(remote: Remote, target: str) -> None:
    # Given a first hop we may reach, redirecting to an address we may not
    target = target.format(port=remote.port)
    remote.serve_actor("/users/ana")
    remote.redirect("/start", target)
    resolver = FakeResolver({"rebind.example": "10.0.0.1"})
    # When / Then
    async with open_fetcher(address_allowed=only_127_0_0_1, resolver=resolver) as fetcher:
        with pytest.raises(UnsafeAddress, match="private or reserved address|not a public address") as refusal:
            await fetcher.get_json(remote.url("/start"))
    assert target in str(refusal.value)
    assert remote.paths == ["/start"]


async def test_accepts_loopback_when_private_addresses_are_allowed(remote: Remote) -> None:
    url = remote.serve_actor("/users/ana")
    async with open_fetcher(allow_private_addresses=True) as fetcher:
        document = await fetcher.get_json(url)
    assert document == actor(url)
    assert remote.requests[0].headers["Accept"] == AP_ACCEPT
    assert remote.requests[0].headers["User-Agent"] == "fedaid-test"


async def test_refuses_http_when_not_allowed(remote: Remote) -> None:
    url = remote.serve_actor("/users/ana")
    async with open_fetcher(allow_http=False) as fetcher:
        with pytest.raises(UnsafeAddress, match="scheme must be https, not 'http'"):
            await fetcher.get_json(url)
    assert remote.requests == []


@pytest.mark.parametrize("target", ["file:///etc/passwd", "gopher://127.0.0.1:70/x"])
async def test_refuses_a_redirect_to_another_scheme(remote: Remote, target: str) -> None:
    remote.redirect("/start", target)
    async with open_fetcher() as fetcher:
        with pytest.raises(UnsafeAddress, match="scheme must be https or http") as refusal:
            await fetcher.get_json(remote.url("/start"))
    assert target in str(refusal.value)


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "gopher://aid.example/x", "ftp://aid.example/x", "https:///no-host", "//aid.example/x"],
)
async def test_refuses_other_schemes_and_hostless_urls(url: str) -> None:
    async with open_fetcher() as fetcher:
        with pytest.raises(UnsafeAddress):
            await fetcher.get_json(url)


# --- redirects, answers, caps --------------------------------------------------------------------


async def test_follows_three_redirects_and_checks_the_id_against_the_final_url(remote: Remote) -> None:
    final = remote.serve_actor("/users/ana")
    remote.redirect("/r1", final, status=301)
    remote.redirect("/r2", "/r1", status=307)  # relative Location
    remote.redirect("/r3", remote.url("/r2"), status=308)
    async with open_fetcher() as fetcher:
        document = await fetcher.get_json(remote.url("/r3"))
    assert document["id"] == final
    assert remote.paths == ["/r3", "/r2", "/r1", "/users/ana"]


async def test_refuses_more_than_three_redirects(remote: Remote) -> None:
    remote.serve_actor("/users/ana")
    remote.redirect("/r1", "/users/ana")
    remote.redirect("/r2", "/r1")
    remote.redirect("/r3", "/r2")
    remote.redirect("/r4", "/r3")
    async with open_fetcher() as fetcher:
        with pytest.raises(FetchError, match="more than 3 redirects"):
            await fetcher.get_json(remote.url("/r4"))
    assert remote.paths == ["/r4", "/r3", "/r2", "/r1"]


async def test_refuses_a_streamed_body_over_one_mib(remote: Remote) -> None:
    async def stream_forever(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/activity+json"})
        await response.prepare(request)  # chunked: no Content-Length to refuse early
        try:
            for _ in range(64):
                await response.write(b" " * 64 * 1024)
        except ConnectionResetError:
            pass  # the fetcher hung up, as it should
        return response

    remote.handlers["/big"] = stream_forever
    async with open_fetcher() as fetcher:
        with pytest.raises(FetchError, match="response larger than 1 MiB"):
            await fetcher.get_json(remote.url("/big"))


async def test_refuses_a_declared_length_over_the_cap(remote: Remote) -> None:
    url = remote.url("/users/ana")
    remote.serve_json("/users/ana", {**actor(url), "summary": "x" * 2000})
    async with open_fetcher(max_bytes=1024) as fetcher:
        with pytest.raises(FetchError, match="response larger than 1 KiB"):
            await fetcher.get_json(url)


@pytest.mark.parametrize(
    "content_type", ["text/html", "application/json", "application/octet-stream", "text/plain; charset=utf-8"]
)
async def test_refuses_a_content_type_that_is_not_activitypub(remote: Remote, content_type: str) -> None:
    url = remote.serve_actor("/users/ana", content_type=content_type)
    async with open_fetcher() as fetcher:
        with pytest.raises(FetchError, match="is not ActivityPub JSON"):
            await fetcher.get_json(url)


@pytest.mark.parametrize(
    "content_type",
    [
        "application/activity+json; charset=utf-8",
        'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
        "application/ld+json",
    ],
)
async def test_accepts_activitypub_content_types_with_any_parameters(remote: Remote, content_type: str) -> None:
    url = remote.serve_actor("/users/ana", content_type=content_type)
    async with open_fetcher() as fetcher:
        assert (await fetcher.get_json(url))["id"] == url


async def test_accepts_plain_json_only_when_asked_for(remote: Remote) -> None:
    url = remote.serve_actor("/users/ana", content_type="application/json")
    async with open_fetcher() as fetcher:
        document = await fetcher.get_json(url, accept=f"{AP_ACCEPT}, application/json")
    assert document["id"] == url


async def test_refuses_a_document_whose_id_is_not_its_url(remote: Remote) -> None:
    url = remote.url("/users/ana")
    remote.serve_json("/users/ana", actor("https://elsewhere.example/users/ana"))
    async with open_fetcher() as fetcher:
        with pytest.raises(FetchError, match="id 'https://elsewhere.example/users/ana' is not the URL"):
            await fetcher.get_json(url)
        assert (await fetcher.get_json(url, check_id=False))["type"] == "Person"


async def test_refuses_a_document_whose_id_is_the_first_url_of_a_redirect(remote: Remote) -> None:
    start = remote.url("/start")
    remote.serve_json("/users/ana", actor(start))
    remote.redirect("/start", "/users/ana")
    async with open_fetcher() as fetcher:
        with pytest.raises(FetchError, match="is not the URL it came from"):
            await fetcher.get_json(start)


@pytest.mark.parametrize(
    ("body", "problem"),
    [([actor("x")], "list, not an object"), ("Person", "str, not an object"), (None, "NoneType, not an object")],
)
async def test_refuses_json_that_is_not_an_object(remote: Remote, body: Any, problem: str) -> None:
    remote.serve_json("/users/ana", body)
    async with open_fetcher() as fetcher:
        with pytest.raises(FetchError, match=problem):
            await fetcher.get_json(remote.url("/users/ana"))


async def test_refuses_a_body_that_is_not_json(remote: Remote) -> None:
    async def broken(request: web.Request) -> web.Response:
        return web.Response(body=b"{not json", content_type="application/activity+json")

    remote.handlers["/users/ana"] = broken
    async with open_fetcher() as fetcher:
        with pytest.raises(FetchError, match="not valid JSON"):
            await fetcher.get_json(remote.url("/users/ana"))


@pytest.mark.parametrize(
    ("status", "error"), [(404, RemoteNotFound), (410, RemoteGone), (401, RemoteStatusError), (500, RemoteStatusError)]
)
async def test_error_statuses_carry_the_remote_status(
    remote: Remote, status: int, error: type[RemoteStatusError]
) -> None:
    remote.answer_status("/users/ana", status)
    async with open_fetcher() as fetcher:
        with pytest.raises(error, match=f"answered {status}") as failure:
            await fetcher.get_json(remote.url("/users/ana"))
    assert failure.value.status_code == status
    assert isinstance(failure.value, FetchError)


async def test_a_slow_server_raises_fetch_error(remote: Remote) -> None:
    release = asyncio.Event()

    async def stall(request: web.Request) -> web.Response:
        await asyncio.wait_for(release.wait(), timeout=5)
        return web.Response(status=204)

    remote.handlers["/users/ana"] = stall
    try:
        async with open_fetcher(total_timeout=0.3) as fetcher:
            with pytest.raises(FetchError, match=remote.url("/users/ana")):
                await fetcher.get_json(remote.url("/users/ana"))
    finally:
        release.set()  # let the handler finish so the server closes at once


# --- signing and WebFinger -----------------------------------------------------------------------


async def test_signs_every_hop_and_the_headers_arrive(remote: Remote) -> None:
    # Given a signer that records what it is asked to sign
    calls: list[tuple[str, str, dict[str, str]]] = []

    def sign(method: str, url: str, headers: dict[str, str]) -> dict[str, str]:
        calls.append((method, url, headers))
        return {"Signature": f'keyId="instance#main-key",signature="{len(calls)}"', "Date": "test-date"}

    final = remote.serve_actor("/users/ana")
    remote.redirect("/start", "/users/ana")
    # When
    async with open_fetcher(sign=sign) as fetcher:
        await fetcher.get_json(remote.url("/start"))
    # Then
    expected_headers = {"Accept": AP_ACCEPT, "User-Agent": "fedaid-test"}
    assert calls == [("GET", remote.url("/start"), expected_headers), ("GET", final, expected_headers)]
    assert [request.headers["Signature"] for request in remote.requests] == [
        'keyId="instance#main-key",signature="1"',
        'keyId="instance#main-key",signature="2"',
    ]
    assert remote.requests[1].headers["Date"] == "test-date"


async def test_unsigned_fetches_do_not_call_the_signer(remote: Remote) -> None:
    calls: list[str] = []

    def sign(method: str, url: str, headers: dict[str, str]) -> dict[str, str]:
        calls.append(url)
        return {"Signature": "x"}

    url = remote.serve_actor("/users/ana")
    remote.serve_json(
        "/.well-known/webfinger", {"subject": "acct:ana@aid.example", "links": []}, content_type="application/jrd+json"
    )
    async with open_fetcher(sign=sign) as fetcher:
        await fetcher.get_json(url, signed=False)
        await fetcher.get_jrd(remote.url("/.well-known/webfinger?resource=acct:ana@aid.example"))
    assert calls == []
    assert all("Signature" not in request.headers for request in remote.requests)


async def test_get_jrd_asks_for_jrd_and_skips_the_id_check(remote: Remote) -> None:
    jrd = {
        "subject": "acct:ana@aid.example",
        "links": [{"rel": "self", "type": "application/activity+json", "href": "https://aid.example/users/ana"}],
    }
    remote.serve_json("/.well-known/webfinger", jrd, content_type="application/jrd+json")
    async with open_fetcher() as fetcher:
        assert await fetcher.get_jrd(remote.url("/.well-known/webfinger?resource=acct:ana@aid.example")) == jrd
    assert remote.requests[0].headers["Accept"] == "application/jrd+json, application/json"
    assert remote.requests[0].query["resource"] == "acct:ana@aid.example"


async def test_get_jrd_applies_the_same_address_guard() -> None:
    async with open_fetcher(allow_private_addresses=False) as fetcher:
        with pytest.raises(UnsafeAddress):
            await fetcher.get_jrd("http://169.254.169.254/.well-known/webfinger?resource=acct:a@b")
