"""Streaming: health, server-sent events on user/public/hashtag, and the WebSocket form."""

from __future__ import annotations

import asyncio
import json

from factories import make_post
from streams import read_events, subscribed

from fedaid.api.stream_hub import STREAM_HUB
from fedaid.domain import oauth
from fedaid.domain.follows import follow
from fedaid.models import Notification, NotificationKind, OAuthToken


async def test_health_answers_ok(api) -> None:
    answer = await api.get("/api/v1/streaming/health")
    assert answer.status == 200 and answer.body == "OK"


async def test_user_stream_gets_followed_posts_and_notifications(api) -> None:
    ana, bea, cy = await api.add_member("ana"), await api.add_member("bea"), await api.add_member("cy")
    with api.instance.db.active():
        await follow(ana.actor, bea.actor)
    headers = {"Authorization": f"Bearer {api.tokens['ana']}"}
    async with api.session.get(f"{api.base_url}/api/v1/streaming/user", headers=headers) as response:
        assert response.status == 200 and response.content_type == "text/event-stream"
        await subscribed(api, 1)
        with api.instance.db.active():
            await make_post(cy.actor, "<p>not followed</p>")
            post = await make_post(bea.actor, "<p>followed</p>")
            await Notification.create(recipient=ana.actor, kind=NotificationKind.FOLLOW, from_actor=cy.actor)
        events = await read_events(response, 2)
    kinds = dict(events)
    assert kinds["update"]["id"] == str(post.id)
    assert kinds["notification"]["type"] == "follow" and kinds["notification"]["account"]["acct"] == "cy"
    api.schema.assert_valid("GET", "/api/v1/statuses/1", 200, kinds["update"])
    api.schema.assert_valid("GET", "/api/v1/notifications/1", 200, kinds["notification"])


async def test_user_stream_gets_boosts_by_followed_members(api) -> None:
    # Given cy, who follows ana but not bea, listening on her user stream
    ana, bea, cy = await api.add_member("ana"), await api.add_member("bea"), await api.add_member("cy")
    with api.instance.db.active():
        await follow(cy.actor, ana.actor)
        post = await make_post(bea.actor, "<p>Troc de graines</p>")
    headers = {"Authorization": f"Bearer {api.tokens['cy']}"}
    async with api.session.get(f"{api.base_url}/api/v1/streaming/user", headers=headers) as response:
        await subscribed(api, 1)
        # When ana boosts bea's post
        boost = await api.post(f"/api/v1/statuses/{post.id}/reblog", as_="ana")
        # Then cy gets the boost, wrapping bea's post, as her home timeline shows it
        [(name, status)] = await read_events(response, 1)
    assert name == "update" and status["id"] == boost.body["id"]
    assert status["account"]["acct"] == "ana" and status["reblog"]["id"] == str(post.id)
    api.schema.assert_valid("GET", "/api/v1/statuses/1", 200, status)


async def test_public_and_hashtag_streams_and_token_checks(api) -> None:
    ana = await api.add_member("ana")
    assert (await api.get("/api/v1/streaming/user", check=False)).status == 401
    async with (
        api.session.get(f"{api.base_url}/api/v1/streaming/hashtag", params={"tag": "offre"}) as tagged,
        api.session.get(f"{api.base_url}/api/v1/streaming/public/local") as public,
    ):
        await subscribed(api, 2)
        with api.instance.db.active():
            plain = await make_post(ana.actor, "<p>plain</p>")
            offer = await make_post(ana.actor, "<p>#offre</p>", tags=("offre",))
        assert [e[1]["id"] for e in await read_events(tagged, 1)] == [str(offer.id)]
        assert [e[1]["id"] for e in await read_events(public, 2)] == [str(plain.id), str(offer.id)]


async def test_websocket_streaming_with_subscribe_messages(api) -> None:
    ana = await api.add_member("ana")
    url = f"{api.base_url}/api/v1/streaming?access_token={api.tokens['ana']}&stream=user"
    async with api.session.ws_connect(url) as ws:
        await ws.send_json({"type": "subscribe", "stream": "hashtag", "tag": "demande"})
        await subscribed(api, 2)
        with api.instance.db.active():
            post = await make_post(ana.actor, "<p>#demande</p>", tags=("demande",))
        messages = [await asyncio.wait_for(ws.receive_json(), 10) for _ in range(2)]
    streams = sorted(tuple(message["stream"]) for message in messages)
    assert streams == [("hashtag", "demande"), ("user",)]
    assert all(
        message["event"] == "update" and json.loads(message["payload"])["id"] == str(post.id) for message in messages
    )


async def test_a_stream_opened_while_the_hub_checks_tokens_is_not_ended_as_revoked(api) -> None:
    # Given ana listening on her user stream
    ana, bea = await api.add_member("ana"), await api.add_member("bea")
    hub = api.instance.app[STREAM_HUB]
    with api.instance.db.active():
        ana_token, bea_token = [
            await OAuthToken.get(token_hash=oauth.hash_secret(api.tokens[name])) for name in ("ana", "bea")
        ]
        ana_stream = hub.subscribe("user", ana.actor, token_id=ana_token.id)
        # When the hub reads which tokens of its streams still hold, and bea opens her stream meanwhile
        checking = asyncio.create_task(hub.poll())
        await asyncio.sleep(0)
        bea_stream = hub.subscribe("user", bea.actor, token_id=bea_token.id)
        await checking
    # Then neither stream is ended: bea's token was not among those read, and is judged at the next poll
    assert {ana_stream, bea_stream} <= hub.subscriptions
