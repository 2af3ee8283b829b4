"""Pictures and whole threads between real servers on 127.0.0.1: an offer with two pictures travels to another
fedaid instance and to a fake Mastodon (which checks the attachment shape as Mastodon reads it); a post with a
picture, a video link and a PDF arrives from a fake Mastodon and shows in the client API and on the web page;
replies to unseen posts arrive with their parents, and a long chain stops at the configured depth."""

from __future__ import annotations

import asyncio
import re

import aiohttp
from pictures import pdf, photo, stored_files

from fedaid.appkeys import REMOTE_ACTORS
from fedaid.domain import follows
from fedaid.domain.categories import ensure_default_categories
from fedaid.models import (
    Actor,
    MediaAttachment,
    Notification,
    NotificationKind,
    Post,
    Proposal,
    WorkItem,
    WorkKind,
    WorkState,
)

from fakes.remote_instance import AS, start_fake_remote
from testsupport import drain

ALTS = ("A red cordless drill, with its case", "Three drill bits on a wooden table")


def upload(data: bytes, alt: str) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("file", data, filename="drill.jpg", content_type="image/jpeg")
    form.add_field("description", alt)
    return form


async def processed(api, media_id: str, *, as_: str) -> dict:
    deadline = asyncio.get_running_loop().time() + 20
    while (answer := await api.get(f"/api/v1/media/{media_id}", as_=as_)).status != 200:
        assert asyncio.get_running_loop().time() < deadline, answer.body
        await asyncio.sleep(0.02)
    return answer.body


async def post_by_ap_id(instance, ap_id: str) -> Post:
    with instance.db.active():
        return await Post.get(ap_id=ap_id)


async def page(instance, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(f"{instance.base_url}{path}") as answer:
        return answer.status, await answer.text()


async def fetched(url: str) -> tuple[int, str, bytes]:
    async with aiohttp.ClientSession() as session, session.get(url) as answer:
        return answer.status, answer.headers.get("Content-Type", ""), await answer.read()


async def test_an_offer_with_two_pictures_reaches_fedaid_and_mastodon(make_api, aiohttp_server) -> None:
    # Given ana on alpha, followed by bob on beta and by mia on a Mastodon server
    alpha, beta = await make_api("alpha"), await make_api("beta")
    ana = await alpha.add_member("ana")
    bob = await beta.add_member("bob")
    with alpha.instance.db.active():
        await ensure_default_categories()
    with beta.instance.db.active():
        remote_ana = await beta.instance.app[REMOTE_ACTORS].get_actor(ana.actor.ap_id)
        await follows.follow(bob.actor, remote_ana)
    mastodon = await start_fake_remote(aiohttp_server, usernames=("mia",))
    follow = {
        "@context": AS,
        "id": mastodon.url("/users/mia#follows/1"),
        "type": "Follow",
        "actor": mastodon.actor_id("mia"),
        "object": ana.actor.ap_id,
    }
    assert (await mastodon.post_signed(f"{alpha.base_url}/inbox", follow, as_user="mia"))[0] == 202
    await drain(alpha.instance, beta.instance)

    # When ana uploads two pictures with alt text and posts an offer with them
    uploaded = []
    for number, alt in enumerate(ALTS):
        answer = await alpha.post("/api/v2/media", as_="ana", data=upload(photo(1200 + number, 900), alt))
        assert answer.status == 202
        uploaded.append((await processed(alpha, answer.body["id"], as_="ana"))["id"])
    offer = await alpha.post(
        "/api/v1/statuses",
        as_="ana",
        json={"status": "Perceuse à prêter\n2 h · 📍 Lyon\n#offre #outils", "media_ids": uploaded},
    )
    assert offer.status == 200 and offer.body["fedaid"]["purpose"] == "offer", offer.body
    await drain(alpha.instance, beta.instance)

    # Then Mastodon receives a Create whose attachments it takes: Image, mediaType, url, alt text as name...
    creates = [seen.activity for seen in mastodon.received if seen.activity["type"] == "Create"]
    assert len(creates) == 1 and mastodon.attachment_problems == []
    attachments = creates[0]["object"]["attachment"]
    assert [(a["type"], a["mediaType"], a["name"]) for a in attachments] == [
        ("Image", "image/jpeg", alt) for alt in ALTS
    ]
    assert all(a["blurhash"] and a["width"] and a["height"] and len(a["focalPoint"]) == 2 for a in attachments)
    # ...and whose files it can fetch
    for attachment in attachments:
        assert (await fetched(attachment["url"]))[:2] == (200, "image/jpeg")

    # And beta keeps the offer with both pictures, fetched and served from beta, alt text shown
    received = await post_by_ap_id(beta.instance, creates[0]["object"]["id"])
    status = await beta.get(f"/api/v1/statuses/{received.id}")
    shown = status.body["media_attachments"]
    assert [(m["type"], m["description"]) for m in shown] == [("image", alt) for alt in ALTS]
    assert all(m["url"].startswith(f"{beta.base_url}/media/") and m["preview_url"] for m in shown)
    assert [m["remote_url"] for m in shown] == [a["url"] for a in attachments]
    assert (await fetched(shown[0]["url"]))[:2] == (200, "image/jpeg")
    # ...original and small version: 1200 px wide here, 800 px in the preview
    preview = shown[0]["preview_url"]
    assert preview.startswith(f"{beta.base_url}/media/") and preview != shown[0]["url"]
    assert (await fetched(preview))[:2] == (200, "image/jpeg")
    assert (shown[0]["meta"]["original"]["width"], shown[0]["meta"]["small"]["width"]) == (1200, 800)
    code, html = await page(beta.instance, f"/posts/{received.id}")
    assert code == 200
    for alt in ALTS:
        assert f'alt="{alt}"' in html and f"<figcaption>{alt}</figcaption>" in html
    assert alpha.base_url not in re.findall(r'<img[^>]+src="([^"]+)"', html)[0]


async def test_a_post_with_a_picture_a_video_link_and_a_pdf_from_mastodon(make_api, aiohttp_server) -> None:
    # Given ana here, and alice on Mastodon serving a picture, a video and a PDF
    api = await make_api("alpha")
    ana = await api.add_member("ana")
    mastodon = await start_fake_remote(aiohttp_server, usernames=("alice",))
    picture_url = mastodon.add_file("/system/media/1.jpg", photo(640, 480), "image/jpeg")
    flyer_url = mastodon.add_file("/system/media/flyer.pdf", pdf(), "application/pdf")
    video_url = mastodon.url("/system/media/clip.mp4")
    note = {
        "id": mastodon.url("/users/alice/statuses/1"),
        "type": "Note",
        "attributedTo": mastodon.actor_id("alice"),
        "content": f'<p><a href="{ana.actor.ap_id}" class="mention">@ana</a> here is the workshop</p>',
        "published": "2026-01-02T10:00:00Z",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [ana.actor.ap_id],
        "tag": [{"type": "Mention", "href": ana.actor.ap_id, "name": "@ana"}],
        "attachment": [
            {"type": "Document", "mediaType": "image/jpeg", "url": picture_url, "name": "The workshop's bench"},
            {"type": "Link", "mediaType": "video/mp4", "href": video_url, "name": "Sharpening a chisel"},
            {"type": "Document", "mediaType": "application/pdf", "url": flyer_url, "name": "Workshop flyer"},
        ],
    }
    create = {"@context": AS, "id": f"{note['id']}/activity", "type": "Create", "actor": note["attributedTo"]}
    create |= {"to": note["to"], "cc": note["cc"], "object": note}
    # When it arrives and the worker runs
    assert (await mastodon.post_signed(f"{api.base_url}/inbox", create))[0] == 202
    await drain(api.instance)
    # Then the client API shows all three (schema-checked): picture and PDF served from here, the video a link
    post = await post_by_ap_id(api.instance, note["id"])
    status = (await api.get(f"/api/v1/statuses/{post.id}")).body
    shown = [(m["type"], m["description"], m["remote_url"]) for m in status["media_attachments"]]
    assert shown == [
        ("image", "The workshop's bench", picture_url),
        ("video", "Sharpening a chisel", video_url),
        ("unknown", "Workshop flyer", flyer_url),
    ]
    image, video, document = status["media_attachments"]
    assert image["url"].startswith(f"{api.base_url}/media/") and image["meta"]["original"]["width"] == 640
    assert document["url"].startswith(f"{api.base_url}/media/") and document["url"].endswith(".pdf")
    assert video["url"] == video_url
    assert (await fetched(document["url"]))[:3] == (200, "application/pdf", pdf())
    # And the picture and the PDF were fetched once each, as queued work (the video stays a link), and their
    # copies are served from here without asking Mastodon again
    with api.instance.db.active():
        queued = await WorkItem.filter(kind=WorkKind.FETCH_MEDIA).order_by("id").values_list("state", flat=True)
    assert queued == [WorkState.DONE, WorkState.DONE]
    assert (await fetched(image["url"]))[:2] == (200, "image/jpeg")
    for path in ("/system/media/1.jpg", "/system/media/flyer.pdf"):
        assert mastodon.count("GET", path) == 1, path
    assert mastodon.count("GET", "/system/media/clip.mp4") == 0
    # And the web page shows the picture with its alt text, the video and the document as links
    code, html = await page(api.instance, f"/posts/{post.id}")
    assert code == 200
    assert 'alt="The workshop&#39;s bench"' in html and 'loading="lazy"' in html
    assert f'href="{video_url}"' in html and "Sharpening a chisel" in html
    assert f'href="/media/{document["url"].rsplit("/", 1)[1]}"' in html and "Workshop flyer" in html


def reply(mastodon, number: int, *, parent: int | None, mention: str | None = None, attributed: bool = True) -> dict:
    note = {
        "id": mastodon.url(f"/users/alice/statuses/{number}"),
        "type": "Note",
        "content": f"<p>message {number}</p>",
        "summary": None,
        "published": f"2026-01-02T10:{number % 60:02d}:00Z",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [mention] if mention else [],
    }
    if attributed:
        note["attributedTo"] = mastodon.actor_id("alice")
    if parent is not None:
        note["inReplyTo"] = mastodon.url(f"/users/alice/statuses/{parent}")
    if mention:
        note["tag"] = [{"type": "Mention", "href": mention, "name": "@ana"}]
    return note


async def send_create(mastodon, instance_url: str, note: dict) -> None:
    activity = {"@context": AS, "id": f"{note['id']}/activity", "type": "Create", "actor": mastodon.actor_id("alice")}
    activity |= {"to": note["to"], "cc": note["cc"], "object": note}
    assert (await mastodon.post_signed(f"{instance_url}/inbox", activity))[0] == 202


async def test_a_reply_to_unseen_posts_arrives_with_its_parents(make_api, aiohttp_server) -> None:
    # Given a conversation on Mastodon: 1 ← 2 ← 3, where 3 mentions ana here, and has no attributedTo
    api = await make_api("alpha")
    ana = await api.add_member("ana")
    mastodon = await start_fake_remote(aiohttp_server, usernames=("alice",))
    for number, parent in ((1, None), (2, 1)):
        mastodon.add_object(
            f"/users/alice/statuses/{number}", {"@context": AS, **reply(mastodon, number, parent=parent)}
        )
    latest = reply(mastodon, 3, parent=2, mention=ana.actor.ap_id, attributed=False)
    latest["summary"] = "<p>A <b>spoiler</b></p>"
    # When 3 arrives and the worker runs
    await send_create(mastodon, api.base_url, latest)
    await drain(api.instance)
    # Then 3 is ana's mention, attributed to its sender, with a plain-text content warning, and its context has 1 and 2
    third = await post_by_ap_id(api.instance, latest["id"])
    status = (await api.get(f"/api/v1/statuses/{third.id}")).body
    assert status["account"]["acct"] == mastodon.acct("alice") and status["spoiler_text"] == "A spoiler"
    context = (await api.get(f"/api/v1/statuses/{third.id}/context")).body
    assert [s["content"] for s in context["ancestors"]] == ["<p>message 1</p>", "<p>message 2</p>"]
    assert status["in_reply_to_id"] == context["ancestors"][1]["id"]
    # And the web page shows the conversation
    code, html = await page(api.instance, f"/posts/{third.id}")
    assert code == 200 and html.index("message 1") < html.index("message 2") < html.index("message 3")


async def test_a_reply_to_an_unseen_response_brings_that_response_to_the_proposal(make_api, aiohttp_server) -> None:
    # Given ana's offer here, answered on Mastodon by alice (1), whose reply never reached us
    api = await make_api("alpha")
    ana = await api.add_member("ana")
    with api.instance.db.active():
        await ensure_default_categories()
    offer = await api.post(
        "/api/v1/statuses", as_="ana", json={"status": "Perceuse à prêter\n2 h · 📍 Lyon\n#offre #outils"}
    )
    assert offer.status == 200 and offer.body["fedaid"]["purpose"] == "offer", offer.body
    mastodon = await start_fake_remote(aiohttp_server, usernames=("alice",))
    unseen = reply(mastodon, 1, parent=None, mention=ana.actor.ap_id)
    unseen["inReplyTo"] = offer.body["uri"]
    mastodon.add_object("/users/alice/statuses/1", {"@context": AS, **unseen})
    # When alice's next message (2), answering her first, arrives and the worker runs
    await send_create(mastodon, api.base_url, reply(mastodon, 2, parent=1, mention=ana.actor.ap_id))
    await drain(api.instance)
    # Then her first reply was fetched and is a response on the offer's page, and ana was told of it once
    first = await post_by_ap_id(api.instance, unseen["id"])
    assert first.in_reply_to_id == int(offer.body["id"])
    with api.instance.db.active():
        proposal_id = (await Proposal.get(post_id=first.in_reply_to_id)).id
        assert await Notification.filter(kind=NotificationKind.RESPONSE, post_id=first.id).count() == 1
    code, html = await page(api.instance, f"/proposals/{proposal_id}")
    assert code == 200 and "message 1" in html
    # And the second one's context holds the offer and the first reply
    second = await post_by_ap_id(api.instance, mastodon.url("/users/alice/statuses/2"))
    context = (await api.get(f"/api/v1/statuses/{second.id}/context")).body
    assert [s["id"] for s in context["ancestors"]] == [offer.body["id"], str(first.id)]


async def test_a_reply_chain_fifty_deep_stops_at_the_configured_depth(make_api, aiohttp_server) -> None:
    # Given a chain of 50 posts on Mastodon, and an instance fetching at most 5 parents up a thread
    api = await make_api("alpha", thread_fetch_depth=5)
    ana = await api.add_member("ana")
    mastodon = await start_fake_remote(aiohttp_server, usernames=("alice",))
    for number in range(1, 50):
        note = reply(mastodon, number, parent=number - 1 if number > 1 else None)
        mastodon.add_object(f"/users/alice/statuses/{number}", {"@context": AS, **note})
    # When the 50th arrives, replying to the 49th, and the worker runs until nothing is left
    await send_create(mastodon, api.base_url, reply(mastodon, 50, parent=49, mention=ana.actor.ap_id))
    await drain(api.instance)
    # Then exactly 5 parents were fetched and kept, and no queued work failed
    fetches = [seen.path for seen in mastodon.requests if seen.method == "GET" and "/statuses/" in seen.path]
    assert sorted(fetches) == [f"/users/alice/statuses/{n}" for n in range(45, 50)]
    with api.instance.db.active():
        assert await Post.filter(author__username="alice").count() == 6
        items = await WorkItem.filter(kind=WorkKind.FETCH_PARENT)
        assert [item.state for item in items] == [WorkState.DONE] * 5
        top = await Post.get(ap_id=mastodon.url("/users/alice/statuses/45"))
        assert top.in_reply_to_id is None and top.in_reply_to_ap_id.endswith("/statuses/44")
        assert not await MediaAttachment.all().exists() and await Actor.filter(is_local=False).count() == 1
    context = (
        await api.get(
            f"/api/v1/statuses/{(await post_by_ap_id(api.instance, reply(mastodon, 50, parent=49)['id'])).id}/context"
        )
    ).body
    assert len(context["ancestors"]) == 5


async def test_a_remote_picture_over_the_size_cap_stays_a_link_and_nothing_is_kept(make_api, aiohttp_server) -> None:
    # Given an instance that caches remote files of at most 50 KB, and a Mastodon post with a larger picture
    api = await make_api("alpha", remote_media_max_bytes=50_000)
    ana = await api.add_member("ana")
    mastodon = await start_fake_remote(aiohttp_server, usernames=("alice",))
    big = photo(2000, 1500)
    assert len(big) > 50_000
    note = reply(mastodon, 1, parent=None, mention=ana.actor.ap_id)
    note["attachment"] = {
        "type": "Image",
        "mediaType": "image/jpeg",
        "url": mastodon.add_file("/big.jpg", big, "image/jpeg"),
    }
    # When it arrives and the worker runs
    await send_create(mastodon, api.base_url, note)
    await drain(api.instance)
    # Then the picture is shown as a link to its server, and no file was kept
    post = await post_by_ap_id(api.instance, note["id"])
    [shown] = (await api.get(f"/api/v1/statuses/{post.id}")).body["media_attachments"]
    assert shown["type"] == "image" and shown["url"] == shown["remote_url"] == mastodon.url("/big.jpg")
    assert stored_files(api.instance.settings.data_dir) == []
    with api.instance.db.active():
        assert "larger than" in (await MediaAttachment.get()).last_error
