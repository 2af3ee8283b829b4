"""Send a push job: Mastodon's push payload, encrypted per RFC 8291 (aes128gcm, pywebpush/http-ece), signed with
VAPID (RFC 8292, py-vapid), POSTed through the fetcher that refuses private addresses.

A 410 from the push service deletes the subscription (`domain.jobs.record_outcome`).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from py_vapid import Vapid02

from fedaid.config import Settings
from fedaid.domain.actors import load_actors
from fedaid.domain.jobs import Outcome
from fedaid.domain.notifications import tell_notifications
from fedaid.domain.push_subscriptions import SEAL_PURPOSE
from fedaid.domain.retries import Step, next_step
from fedaid.domain.sealing import unseal
from fedaid.errors import FetchError, UnsafeAddress
from fedaid.federation.fetch import Fetcher
from fedaid.models import OutboundJob, PushSubscription, VapidKey
from fedaid.outbound.mail_render import render_text

log = logging.getLogger("fedaid.push")

MAX_PAYLOAD_BYTES = 3993  # RFC 8291 4: 4096-byte records less the aes128gcm header, padding and tag
TTL_SECONDS = 48 * 3600  # Mastodon's TTL for pushes
BODY_CHARACTERS = 1000
DEFAULT_ICON = "/static/avatar.png"


class PushSender:
    """Turns one claimed push job into one POST to the subscription's push service."""

    def __init__(self, settings: Settings, fetcher: Fetcher, vapid_key: VapidKey) -> None:
        self._settings = settings
        self._fetcher = fetcher
        self._vapid = Vapid02.from_pem(vapid_key.private_key_pem.encode())

    async def send(self, job: OutboundJob, now: datetime) -> Outcome:
        subscription = job.push_subscription
        if subscription is None:
            return Outcome(Step.GIVE_UP, error="the subscription was deleted")
        payload = await self.payload(job)
        if payload is None:
            return Outcome(Step.GIVE_UP, error="the notification was deleted before its push was sent")
        from pywebpush import WebPushException  # with requests and urllib3: loaded by the first push only (memory)

        try:
            body = encrypt(subscription, payload)
        except WebPushException as err:
            return Outcome(Step.GIVE_UP, error=f"cannot encrypt for this subscription: {err}")
        headers = {
            "TTL": str(TTL_SECONDS),
            "Urgency": "normal",
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            **self._vapid_headers(subscription.endpoint),
        }
        try:
            answer = await self._fetcher.post(subscription.endpoint, body, headers)
        except UnsafeAddress as err:
            return Outcome(Step.GIVE_UP, error=str(err))
        except FetchError as err:
            return Outcome(Step.RETRY, error=str(err))
        error = "" if 200 <= answer.status < 300 else f"HTTP {answer.status}"
        return Outcome(next_step(answer.status), answer.status, error, answer.retry_after)

    async def payload(self, job: OutboundJob) -> dict[str, Any] | None:
        """What Mastodon apps read from a push (Mastodon's Web::NotificationSerializer); None if it is gone."""
        stories = await tell_notifications([job.notification_id] if job.notification_id else [])
        if not stories:
            return None
        story, account = stories[0], job.account
        sender = (await load_actors([story.from_actor_id])).get(story.from_actor_id) if story.from_actor_id else None
        context = {"story": story, "site_name": self._settings.collective_name}
        texts = render_text("push", account.locale, context, blocks=("title", "body"))
        payload: dict[str, Any] = {
            "access_token": unseal(
                self._settings.secret_key, job.push_subscription.access_token_sealed, purpose=SEAL_PURPOSE
            ),
            "preferred_locale": account.locale,
            "notification_id": story.id,  # apps drop a push whose id they already showed
            "notification_type": story.kind,
            "icon": (sender.icon_url if sender and sender.icon_url else f"{self._settings.base_url}{DEFAULT_ICON}"),
            "title": texts["title"],
            "body": texts["body"][:BODY_CHARACTERS],
        }
        while len(_encode(payload)) > MAX_PAYLOAD_BYTES and payload["body"]:
            payload["body"] = payload["body"][: len(payload["body"]) // 2]
        return payload

    def _vapid_headers(self, endpoint: str) -> dict[str, str]:
        parts = urlsplit(endpoint)
        claims = {"aud": f"{parts.scheme}://{parts.netloc}", "sub": f"mailto:{self._settings.mail_sender}"}
        return self._vapid.sign(claims)


def encrypt(subscription: PushSubscription, payload: dict[str, Any]) -> bytes:
    """The payload encrypted for the subscription's keys (RFC 8291, aes128gcm)."""
    from pywebpush import WebPusher

    info = {"endpoint": subscription.endpoint, "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}}
    return WebPusher(info).encode(_encode(payload), content_encoding="aes128gcm")["body"]


def _encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()
