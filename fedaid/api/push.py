"""/api/v1/push/subscription: one Web Push subscription per access token, as Mastodon has it."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from fedaid.api.auth import bearer_of, user_caller
from fedaid.api.params import read_params
from fedaid.appkeys import SETTINGS
from fedaid.domain import push_subscriptions
from fedaid.domain.push_subscriptions import InvalidSubscription, SubscriptionRequest, ensure_vapid_key
from fedaid.models import PushSubscription

log = logging.getLogger("fedaid.api.push")


async def render_subscription(subscription: PushSubscription) -> dict[str, Any]:
    """Mastodon's WebPushSubscription entity."""
    return {
        "id": str(subscription.id),
        "endpoint": subscription.endpoint,
        "standard": True,  # aes128gcm (RFC 8291), as Mastodon 4.4 calls it
        "alerts": subscription.alerts,
        "policy": subscription.policy,
        "server_key": (await ensure_vapid_key()).public_key,
    }


async def create(request: web.Request) -> web.Response:
    """POST: subscribe this token, replacing its earlier subscription."""
    caller = await user_caller(request, "push")
    params = await read_params(request)
    subscription, data = params.dict("subscription"), params.dict("data")
    keys = subscription.get("keys") if isinstance(subscription.get("keys"), dict) else {}
    settings = request.app[SETTINGS]
    try:
        stored = await push_subscriptions.subscribe(
            caller.account,  # type: ignore[arg-type]  # user_caller has an account
            caller.token,
            bearer_of(request) or "",
            SubscriptionRequest(
                endpoint=str(subscription.get("endpoint") or ""),
                p256dh=str(keys.get("p256dh") or ""),
                auth=str(keys.get("auth") or ""),
                alerts=_dict(data.get("alerts")),
                policy=str(data.get("policy") or params.str("policy") or "all"),  # Mastodon.py sends it outside data
            ),
            secret_key=settings.secret_key,
            allow_http=settings.allow_http,
        )
    except InvalidSubscription as err:
        return unprocessable(err)
    return web.json_response(await render_subscription(stored))


async def show(request: web.Request) -> web.Response:
    caller = await user_caller(request, "push")
    return web.json_response(await render_subscription(await push_subscriptions.get_subscription(caller.token)))


async def update(request: web.Request) -> web.Response:
    """PUT: change alerts and policy only."""
    caller = await user_caller(request, "push")
    params = await read_params(request)
    data = params.dict("data")
    policy = data.get("policy", params.str("policy"))
    try:
        stored = await push_subscriptions.update_subscription(
            caller.token, _dict(data.get("alerts")), str(policy) if policy is not None else None
        )
    except InvalidSubscription as err:
        return unprocessable(err)
    return web.json_response(await render_subscription(stored))


async def delete(request: web.Request) -> web.Response:
    caller = await user_caller(request, "push")
    await push_subscriptions.unsubscribe(caller.token)
    return web.json_response({})


def unprocessable(err: InvalidSubscription) -> web.Response:
    """Mastodon's 422 ValidationError, naming the field; nothing was stored."""
    log.info("push subscription refused", extra={"field": err.field, "reason": str(err)})
    return web.json_response(
        {
            "error": f"Validation failed: {err}",
            "details": {err.field: [{"error": "ERR_INVALID", "description": str(err)}]},
        },
        status=422,
    )


def _dict(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else {}
