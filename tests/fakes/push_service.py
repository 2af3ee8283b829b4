"""A Web Push service on 127.0.0.1: it hands out subscriptions with key pairs of its own, and decrypts every
push it receives with the subscription's private key (http_ece, aes128gcm), as a browser's push service and the
app behind it would."""

from __future__ import annotations

import asyncio
import base64
import json
import os
from dataclasses import dataclass, field
from typing import Any

import http_ece
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from fedaid.domain.push_subscriptions import SubscriptionRequest, subscribe
from fedaid.models import OAuthApp, OAuthToken


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@dataclass
class Push:
    """One push as the app sees it once decrypted, with what the push service saw of it."""

    payload: dict[str, Any]
    body_bytes: int
    headers: dict[str, str]


@dataclass
class _Subscriber:
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    pushes: list[Push] = field(default_factory=list)


class FakePushService:
    """`answer` sets the status its endpoints give (201 by default; 410 when the subscription is gone)."""

    def __init__(self, *, delay: float = 0.0) -> None:
        self.subscribers: dict[str, _Subscriber] = {}
        self.answer = 201
        self.delay = delay  # answer this late, after keeping the push (to kill a worker mid-send)
        self.arrived = asyncio.Event()
        self.base_url = ""
        self.app = web.Application()
        self.app.add_routes([web.post("/push/{name}", self.receive)])

    async def start(self, aiohttp_server) -> FakePushService:
        server = await aiohttp_server(self.app, host="127.0.0.1")
        self.base_url = str(server.make_url("")).rstrip("/")
        return self

    def subscribe(self, name: str) -> dict[str, Any]:
        """A new subscription, as PushManager.subscribe() gives it to an app."""
        private_key = ec.generate_private_key(ec.SECP256R1())
        auth = os.urandom(16)
        self.subscribers[name] = _Subscriber(private_key, auth)
        public = private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"endpoint": f"{self.base_url}/push/{name}", "keys": {"p256dh": b64url(public), "auth": b64url(auth)}}

    def adopt(self, name: str, private_key: ec.EllipticCurvePrivateKey, auth: bytes) -> None:
        """Take a subscription whose keys a client made itself (Mastodon.py's push_subscription_generate_keys)."""
        self.subscribers[name] = _Subscriber(private_key, auth)

    def pushes(self, name: str) -> list[Push]:
        return self.subscribers[name].pushes

    async def receive(self, request: web.Request) -> web.Response:
        subscriber = self.subscribers.get(request.match_info["name"])
        if subscriber is None:
            return web.Response(status=404)
        body = await request.read()
        assert request.headers["Content-Encoding"] == "aes128gcm", request.headers
        plain = http_ece.decrypt(
            body, private_key=subscriber.private_key, auth_secret=subscriber.auth, version="aes128gcm"
        )
        subscriber.pushes.append(Push(json.loads(plain), len(body), dict(request.headers)))
        self.arrived.set()
        if self.delay:
            await asyncio.sleep(self.delay)
        return web.Response(status=self.answer)


async def subscribe_to_pushes(member, service: FakePushService) -> None:
    """Léa's phone app, subscribed as an app would through /api/v1/push/subscription."""
    app = await OAuthApp.create(client_id="phone", client_secret_hash="x", name="Phone")
    token = await OAuthToken.create(token_hash="h", app=app, account=member.account, scopes="read push")
    keys = service.subscribe("lea-phone")
    request = SubscriptionRequest(keys["endpoint"], keys["keys"]["p256dh"], keys["keys"]["auth"], {}, "all")
    await subscribe(member.account, token, "lea-token", request, secret_key="test-secret", allow_http=True)
