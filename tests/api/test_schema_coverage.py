"""Every Mastodon operation fedaid implements answers in the shape Mastodon's OpenAPI schema gives it.

One tour calls each implemented operation with valid input; the client checks every JSON answer, and the
test then asserts that each implemented (method, path) was checked at least once with a 2xx answer.
"""

from __future__ import annotations

import base64
import os

import aiohttp
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from factories import make_post
from mastodon_schema import MastodonSchema
from operations import demand_poll_id, implemented_mastodon_operations
from pictures import photo

from fedaid.api.routes import EMPTY_LISTS, EMPTY_OBJECTS
from fedaid.domain.categories import ensure_default_categories
from fedaid.domain.follows import follow
from fedaid.models import Follow, FollowState, Notification, NotificationKind

from testsupport import PASSWORD


def push_subscription() -> dict:
    """What a browser's PushManager gives an app: an endpoint and the keys to encrypt for."""
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    point = key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    encode = lambda raw: base64.urlsafe_b64encode(raw).decode().rstrip("=")  # noqa: E731
    return {
        "endpoint": "https://push.example/send/1",
        "keys": {"p256dh": encode(point), "auth": encode(os.urandom(16))},
    }


async def test_every_implemented_operation_answers_in_mastodon_shape(api) -> None:
    api.schema = schema = MastodonSchema()
    ana, bea = await api.add_member("ana"), await api.add_member("bea")
    with api.instance.db.active():
        await ensure_default_categories()
        other = await make_post(bea.actor, "<p>#offre</p>", tags=("offre",))
        await Follow.create(follower=bea.actor, target=ana.actor, state=FollowState.PENDING)
        await follow(ana.actor, bea.actor)
        note = await Notification.create(
            recipient=ana.actor, kind=NotificationKind.MENTION, from_actor=bea.actor, post=other
        )
    a, b = str(ana.actor.id), str(bea.actor.id)
    app = (
        await api.post(
            "/api/v1/apps",
            data={
                "client_name": "tour",
                "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                "scopes": "read write follow push profile",
            },
        )
    ).body
    creds = {"client_id": app["client_id"], "client_secret": app["client_secret"]}
    token = (
        await api.post(
            "/oauth/token",
            data={
                **creds,
                "grant_type": "password",
                "username": "ana",
                "password": PASSWORD,
                "scope": "read write follow push profile",
            },
        )
    ).body
    calls = [
        ("GET", "/.well-known/oauth-authorization-server", {}),
        ("GET", "/api/v1/apps/verify_credentials", {}),
        ("GET", "/oauth/userinfo", {}),
        ("GET", "/api/v1/instance", {}),
        ("GET", "/api/v2/instance", {}),
        ("GET", "/api/v1/instance/peers", {}),
        ("GET", "/api/v1/instance/extended_description", {}),
        ("GET", "/api/v1/preferences", {}),
        ("GET", "/api/v1/markers", {}),
        ("POST", "/api/v1/markers", {"json": {"home": {"last_read_id": "1"}}}),
        ("GET", "/api/v1/accounts/verify_credentials", {}),
        ("PATCH", "/api/v1/accounts/update_credentials", {"data": {"display_name": "Ana B.", "note": "Hi"}}),
        ("GET", "/api/v1/accounts/lookup", {"params": {"acct": "bea"}}),
        ("GET", "/api/v1/accounts/relationships", {"params": {"id[]": b}}),
        ("GET", "/api/v1/accounts/search", {"params": {"q": "be"}}),
        ("GET", f"/api/v1/accounts/{b}", {}),
        ("GET", f"/api/v1/accounts/{b}/statuses", {}),
        ("GET", f"/api/v1/accounts/{b}/followers", {}),
        ("GET", f"/api/v1/accounts/{a}/following", {}),
        ("POST", f"/api/v1/accounts/{b}/unfollow", {}),
        ("POST", f"/api/v1/accounts/{b}/follow", {}),
        ("GET", "/api/v1/follow_requests", {}),
        ("POST", f"/api/v1/follow_requests/{b}/authorize", {}),
        ("POST", "/api/v1/statuses", {"data": {"status": "Bonjour @bea"}}),
        ("GET", f"/api/v1/statuses/{other.id}", {}),
        ("GET", f"/api/v1/statuses/{other.id}/context", {}),
        ("GET", f"/api/v1/statuses/{other.id}/favourited_by", {}),
        ("POST", f"/api/v1/statuses/{other.id}/favourite", {}),
        ("POST", f"/api/v1/statuses/{other.id}/unfavourite", {}),
        ("POST", f"/api/v1/statuses/{other.id}/favourite", {}),
        ("GET", "/api/v1/favourites", {}),
        ("POST", f"/api/v1/statuses/{other.id}/reblog", {}),
        ("GET", f"/api/v1/statuses/{other.id}/reblogged_by", {}),
        ("GET", "/api/v1/timelines/home", {}),
        ("POST", f"/api/v1/statuses/{other.id}/unreblog", {}),
        ("POST", f"/api/v1/statuses/{other.id}/unfavourite", {}),
        ("GET", "/api/v1/favourites", {}),
        ("GET", "/api/v1/timelines/home", {}),
        ("GET", "/api/v1/timelines/public", {"params": {"local": "1"}}),
        ("GET", "/api/v1/timelines/tag/offre", {}),
        ("GET", "/api/v2/search", {"params": {"q": "bea"}}),
        ("GET", "/api/v1/notifications", {}),
        ("GET", f"/api/v1/notifications/{note.id}", {}),
        ("GET", "/api/v1/notifications/unread_count", {}),
        ("POST", f"/api/v1/notifications/{note.id}/dismiss", {}),
        ("POST", "/api/v1/notifications/clear", {}),
        ("POST", "/api/v1/reports", {"json": {"account_id": b, "comment": "spam", "category": "spam"}}),
        ("POST", "/api/v1/push/subscription", {"json": {"subscription": push_subscription()}}),
        ("GET", "/api/v1/push/subscription", {}),
        ("PUT", "/api/v1/push/subscription", {"json": {"data": {"alerts": {"mention": True}}}}),
        ("DELETE", "/api/v1/push/subscription", {}),
    ]
    for method, path, kwargs in calls:
        answer = await api.call(method, path, token=token["access_token"], **kwargs)
        assert answer.status < 300, (method, path, answer.status, answer.body)
    own = await api.post("/api/v1/statuses", token=token["access_token"], data={"status": "à modifier"})
    for method, path, kwargs in [
        ("PUT", f"/api/v1/statuses/{own.body['id']}", {"json": {"status": "à supprimer"}}),
        ("GET", f"/api/v1/statuses/{own.body['id']}/source", {}),
        ("GET", f"/api/v1/statuses/{own.body['id']}/history", {}),
    ]:
        answer = await api.call(method, path, token=token["access_token"], **kwargs)
        assert answer.status == 200, (method, path, answer.status, answer.body)
    for path in ("/api/v2/media", "/api/v1/media"):
        form = aiohttp.FormData()
        form.add_field("file", photo(64, 48), filename="p.jpg", content_type="image/jpeg")
        uploaded = await api.post(path, token=token["access_token"], data=form)
        assert uploaded.status in (200, 202), uploaded.body
    media_path = f"/api/v1/media/{uploaded.body['id']}"
    for method, kwargs in [("GET", {}), ("PUT", {"json": {"description": "alt"}}), ("DELETE", {})]:
        answer = await api.call(method, media_path, token=token["access_token"], **kwargs)
        assert answer.status == 200, (method, media_path, answer.status, answer.body)
    # A demand's poll: read it and vote in it
    poll_id = await demand_poll_id(api)
    assert (await api.get(f"/api/v1/polls/{poll_id}", token=token["access_token"])).status == 200
    voted = await api.post(f"/api/v1/polls/{poll_id}/votes", token=token["access_token"], json={"choices": [0]})
    assert voted.status == 200, voted.body
    deleted = await api.call("DELETE", f"/api/v1/statuses/{own.body['id']}", token=token["access_token"])
    assert deleted.status == 200 and deleted.body["text"] == "à supprimer"
    with api.instance.db.active():
        await Follow.filter(follower=bea.actor, target=ana.actor).update(state=FollowState.PENDING)
    assert (await api.post(f"/api/v1/follow_requests/{b}/reject", token=token["access_token"])).status == 200
    assert (await api.post("/oauth/revoke", data={**creds, "token": token["access_token"]})).status == 200
    # Error answers are Mastodon's Error entity too
    assert (await api.get("/api/v1/accounts/verify_credentials", token=token["access_token"])).status == 401
    assert (await api.get("/api/v1/statuses/1")).status == 404
    for endpoint in (*EMPTY_LISTS, *EMPTY_OBJECTS):  # features fedaid lacks: Mastodon's empty answers
        answer = await api.get(endpoint.replace("{id}", str(other.id) if "statuses" in endpoint else b), as_="ana")
        assert answer.status == 200 and not answer.body, endpoint

    answered = schema.checked | schema.undescribed  # some answers have no body schema ("Empty", "Hash")
    checked = {(method, template) for method, template, status in answered if status < 300}
    missing = implemented_mastodon_operations(schema) - checked
    assert not missing, sorted(missing)
    assert not schema.problems
