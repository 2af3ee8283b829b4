"""Actors without preferredUsername or WebFinger (allowed by ActivityStreams; some servers and bridges publish
them) can follow and reply; the client API names them by the last segment of their id, at their host."""

from __future__ import annotations

import aiohttp
from inbox_support import create, follow, note, start_drivers

from fedaid.domain.posts import create_post
from fedaid.models import Actor

from fakes.remote_instance import start_fake_remote


async def _get(url: str):
    async with aiohttp.ClientSession() as session, session.get(url) as answer:
        return answer.status, await answer.json()


async def test_an_actor_without_preferred_username_or_webfinger_follows_and_replies(make_instance, aiohttp_server):
    # Given ana on fedaid, and x7 on a server that gives no preferredUsername and answers no WebFinger
    drivers = await start_drivers(make_instance)
    fake = await start_fake_remote(aiohttp_server, usernames=("x7",))
    fake.patch_actor("x7", preferredUsername=None)
    fake.set_webfinger("x7", None)
    ana_id = f"{drivers.base_url}/u/ana"
    # When x7 follows ana
    status, _ = await fake.post_signed(f"{ana_id}/inbox", follow(fake, ana_id, user="x7"), as_user="x7")
    assert status == 202
    await drivers.run_worker_once()
    # Then the follow is accepted, and x7 is named by its id's last segment at its host
    assert [seen.activity["type"] for seen in fake.received] == ["Accept"]
    with drivers.db.active():
        x7 = await Actor.get(ap_id=fake.actor_id("x7"))
        ana = await Actor.get(username="ana", is_local=True)
        post = await create_post(ana, "Qui vient samedi ?")
    status, account = await _get(f"{drivers.base_url}/api/v1/accounts/{x7.id}")
    assert status == 200 and (account["username"], account["acct"]) == ("x7", f"x7@{fake.domain}")
    # When x7 replies to ana's post
    reply = note(fake, 1, "<p>Moi !</p>", user="x7", inReplyTo=post.ap_id)
    status, _ = await fake.post_signed(f"{drivers.base_url}/inbox", create(fake, reply, user="x7"), as_user="x7")
    assert status == 202
    await drivers.run_worker_once()
    # Then the reply is in the thread, by x7
    status, context = await _get(f"{drivers.base_url}/api/v1/statuses/{post.id}/context")
    [answer] = context["descendants"]
    assert answer["account"]["acct"] == f"x7@{fake.domain}" and "Moi !" in answer["content"]
