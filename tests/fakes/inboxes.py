"""Other servers' inboxes for delivery tests: aiohttp apps on 127.0.0.1 that record what arrives.

Every POST's signature is checked with `httpsig` (an implementation that is not ours) against the
sender's public key, and its Digest against the body; unverifiable requests get 401 and are
listed in `rejected`, so every delivery test also tests signing.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpsig
from aiohttp import web
from httpsig.utils import parse_signature_header

from fedaid.keys import generate_key_pair
from fedaid.models import Actor, ActorType

REQUIRED_SIGNED = ["(request-target)", "host", "date", "digest", "content-type"]
ServerFactory = Callable[[web.Application], Awaitable[Any]]  # pytest-aiohttp's aiohttp_server


@dataclass(frozen=True)
class Received:
    """One verified POST."""

    path: str
    body: bytes
    user_agent: str

    @property
    def activity(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass(frozen=True)
class Answer:
    """A scripted answer: a status, extra headers, and a delay before answering (for timeouts)."""

    status: int = 202
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0


class FakeInboxes:
    """One remote server with as many inboxes as paths: answers 202 unless a test scripts otherwise."""

    def __init__(self, public_keys: Mapping[str, str], *, delay: float = 0.0) -> None:
        """`public_keys` maps each sender's keyId to its public PEM; `delay` slows every answer down."""
        self.public_keys = dict(public_keys)
        self.delay = delay
        self.received: list[Received] = []
        self.rejected: list[str] = []
        self.posts = 0  # every POST that reached us, verified or not
        self.default = Answer()  # the answer when nothing is scripted for a path
        self._scripts: dict[str, list[Answer]] = {}
        self.app = web.Application()
        self.app.router.add_post("/{path:.*}", self.receive)
        self.server: Any = None

    async def start(self, aiohttp_server: ServerFactory) -> FakeInboxes:
        self.server = await aiohttp_server(self.app)
        return self

    async def go_down(self) -> None:
        """Stop listening: connections to this server are refused until `come_back`."""
        self._port = self.server.port
        await self.server.close()

    async def come_back(self, aiohttp_server: ServerFactory) -> None:
        """Listen again on the same port, with everything received so far kept."""
        self.server = await aiohttp_server(self.app, port=self._port)

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server.port}"

    async def actors(self, names: list[str], *, shared: bool = False) -> list[Actor]:
        """Remote actors living here, each with its own inbox and, when `shared`, this server's `/inbox`."""
        await Actor.bulk_create(
            [
                Actor(
                    ap_id=self.url(f"/users/{name}"),
                    type=ActorType.PERSON,
                    username=name,
                    domain=self.host,
                    inbox=self.url(f"/users/{name}/inbox"),
                    shared_inbox=self.url("/inbox") if shared else None,
                )
                for name in names
            ],
            batch_size=500,
        )
        return await Actor.filter(domain=self.host, username__in=names).order_by("id")

    async def actor(self, name: str, *, shared: bool = False) -> Actor:
        return (await self.actors([name], shared=shared))[0]

    def script(self, path: str, *answers: Answer | int) -> None:
        """Answer the next POSTs to `path` with these, in order; then `default` again."""
        self._scripts.setdefault(path, []).extend(
            answer if isinstance(answer, Answer) else Answer(answer) for answer in answers
        )

    def arrivals(self) -> Counter[tuple[str, str]]:
        """How many times each (inbox path, activity id) arrived."""
        return Counter((item.path, item.activity["id"]) for item in self.received)

    def paths(self) -> list[str]:
        return [item.path for item in self.received]

    async def receive(self, request: web.Request) -> web.Response:
        self.posts += 1
        body = await request.read()
        problem = self._check_signature(request, body)
        if problem:
            self.rejected.append(f"{request.path}: {problem}")
            return web.Response(status=401, text=problem)
        scripted = self._scripts.get(request.path)
        answer = scripted.pop(0) if scripted else self.default
        if self.delay or answer.delay:
            await asyncio.sleep(self.delay + answer.delay)
        if 200 <= answer.status < 300:
            self.received.append(Received(request.path, body, request.headers.get("User-Agent", "")))
        return web.Response(status=answer.status, headers=dict(answer.headers))

    def _check_signature(self, request: web.Request, body: bytes) -> str:
        """Why httpsig refuses this request, or "" when it verifies."""
        headers = dict(request.headers)
        if request.content_type != "application/activity+json":
            return f"content type {request.content_type}"
        expected = "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
        if headers.get("Digest") != expected:
            return "the Digest does not match the body"
        key_id = parse_signature_header(headers.get("Signature", "")).get("keyid")  # keys are stored lowercased
        if key_id not in self.public_keys:
            return f"unknown keyId {key_id!r}"
        verifier = httpsig.HeaderVerifier(
            headers,
            self.public_keys[key_id],
            required_headers=REQUIRED_SIGNED,
            method="POST",
            path=request.raw_path,
            sign_header="signature",
        )
        try:
            return "" if verifier.verify() else "httpsig: the signature does not verify"
        except Exception as err:  # httpsig raises bare Exceptions for missing headers
            return f"httpsig: {err}"


_KEYS: list[tuple[str, str]] = []


async def make_sender(name: str = "ana", base_url: str = "https://aid.example") -> Actor:
    """A local member with a key pair (one pair shared by every test sender, to keep tests fast)."""
    if not _KEYS:
        _KEYS.append(generate_key_pair())
    private_pem, public_pem = _KEYS[0]
    ap_id = f"{base_url}/u/{name}"
    return await Actor.create(
        ap_id=ap_id,
        type=ActorType.PERSON,
        username=name,
        domain=base_url.split("://", 1)[1],
        is_local=True,
        inbox=f"{ap_id}/inbox",
        shared_inbox=f"{base_url}/inbox",
        key_id=f"{ap_id}#main-key",
        public_key_pem=public_pem,
        private_key_pem=private_pem,
    )
