"""Web Push subscriptions of Mastodon apps (one per access token) and the instance's VAPID key.

Keys are checked when a subscription is stored: a bad key would only fail later, at every push.
The app's access token is kept sealed (Fernet, keyed from the instance secret): pushes carry it, as on
Mastodon, so an app with several accounts knows whose notification it is; tokens are otherwise kept hashed.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02
from py_vapid.utils import b64urlencode
from tortoise.transactions import in_transaction

from fedaid.domain.sealing import seal
from fedaid.errors import InvalidInput, NotFound
from fedaid.models import Account, OAuthToken, PushSubscription, VapidKey

# Mastodon's alert names (app/models/web/push_subscription.rb); others given by apps are ignored.
ALERTS = (
    "mention",
    "status",
    "reblog",
    "follow",
    "follow_request",
    "favourite",
    "poll",
    "update",
    "admin.sign_up",
    "admin.report",
)
POLICIES = ("all", "followed", "follower", "none")
SEAL_PURPOSE = "push token"  # the key derivation of sealed access tokens: changing it loses the stored ones


class InvalidSubscription(InvalidInput):
    """Mastodon answers a subscription it cannot use with 422 and says which field is wrong and why."""

    status = 422

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class SubscriptionRequest:
    endpoint: str
    p256dh: str
    auth: str
    alerts: dict[str, bool]
    policy: str


async def ensure_vapid_key() -> VapidKey:
    """The instance's VAPID key pair, made the first time it is needed (first run, or the upgrade adding push)."""
    async with in_transaction():
        key = await VapidKey.first()
        if key is None:
            vapid = Vapid02()
            vapid.generate_keys()
            key = await VapidKey.create(private_key_pem=vapid.private_pem().decode(), public_key=_public_key(vapid))
    return key


def _public_key(vapid: Vapid02) -> str:
    raw = vapid.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64urlencode(raw)


def check_request(request: SubscriptionRequest, *, allow_http: bool) -> None:
    """Refuse what could never be pushed to: a non-https endpoint, keys that are not a P-256 point and 16 bytes."""
    parts = urlsplit(request.endpoint)
    if parts.scheme not in (("https", "http") if allow_http else ("https",)) or not parts.hostname:
        raise InvalidSubscription("endpoint", "the endpoint must be an https URL.")
    try:
        point = _b64url(request.p256dh)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError as err:
        raise InvalidSubscription("p256dh", "keys.p256dh is not a P-256 public key.") from err
    try:
        secret = _b64url(request.auth)
    except ValueError as err:
        raise InvalidSubscription("auth", "keys.auth is not base64url.") from err
    if len(secret) != 16:
        raise InvalidSubscription("auth", "keys.auth must be 16 bytes.")
    if request.policy not in POLICIES:
        raise InvalidSubscription("policy", f"policy must be one of {', '.join(POLICIES)}.")


def normal_b64url(value: str) -> str:
    """Keys as base64url without padding: Mastodon.py sends standard base64 with padding, browsers base64url."""
    return value.strip().replace("+", "-").replace("/", "_").rstrip("=")


def _b64url(value: str) -> bytes:
    value = normal_b64url(value)
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as err:
        raise ValueError("not base64url") from err


async def subscribe(
    account: Account, token: OAuthToken, bearer: str, request: SubscriptionRequest, *, secret_key: str, allow_http: bool
) -> PushSubscription:
    """Store the token's subscription, replacing the one it had (as Mastodon does)."""
    check_request(request, allow_http=allow_http)
    async with in_transaction():
        await PushSubscription.filter(token_id=token.id).delete()
        return await PushSubscription.create(
            account=account,
            token=token,
            endpoint=request.endpoint,
            p256dh=normal_b64url(request.p256dh),
            auth=normal_b64url(request.auth),
            access_token_sealed=seal(secret_key, bearer, purpose=SEAL_PURPOSE),
            alerts=clean_alerts(request.alerts),
            policy=request.policy,
        )


def clean_alerts(alerts: dict[str, object]) -> dict[str, bool]:
    return {name: _truthy(alerts.get(name, False)) for name in ALERTS}


def _truthy(value: object) -> bool:
    return value is True or str(value).strip().lower() in ("1", "true", "on", "yes")


async def get_subscription(token: OAuthToken) -> PushSubscription:
    subscription = await PushSubscription.get_or_none(token_id=token.id)
    if subscription is None:
        raise NotFound("Record not found")
    return subscription


async def update_subscription(token: OAuthToken, alerts: dict[str, object], policy: str | None) -> PushSubscription:
    """Change the alerts given (others keep their value) and the policy."""
    subscription = await get_subscription(token)
    if policy is not None and policy not in POLICIES:
        raise InvalidSubscription("policy", f"policy must be one of {', '.join(POLICIES)}.")
    subscription.alerts = {**subscription.alerts, **{k: _truthy(v) for k, v in alerts.items() if k in ALERTS}}
    subscription.policy = policy or subscription.policy
    await subscription.save(update_fields=["alerts", "policy"])
    return subscription


async def unsubscribe(token: OAuthToken) -> None:
    await PushSubscription.filter(token_id=token.id).delete()
