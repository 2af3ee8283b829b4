"""Pictures and documents on demands and coaching sessions between two fedaid instances on 127.0.0.1: a demand
drafted with two pictures on the web form and published reaches the allied collective's instance, whose demand
page and client API show its own copies; a session scheduled with a flyer and a picture goes out in its Event,
and the follower's instance shows them, until the facilitator takes the flyer off."""

from __future__ import annotations

import json
import re
from html import unescape

import aiohttp
from fedaid_schema import FedaidSchema
from pictures import pdf, photo

from fedaid.activitypub.vocab import AP_CONTENT_TYPE
from fedaid.appkeys import REMOTE_ACTORS
from fedaid.domain import follows
from fedaid.domain.categories import ensure_default_categories
from fedaid.domain.circles import CircleTerms, create_circle
from fedaid.models import AccountRole, CoachingSession, Demand, MediaAttachment
from tests.web.helpers import DEMAND_FORM, SESSION_START, Visitor, send_files

from testsupport import ally, drain

ALTS = ("Le rassemblement du 1er mars devant le siège", "Une voiture de VTC à l'arrêt")


async def page(base_url: str, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(f"{base_url}{path}") as answer:
        return answer.status, await answer.text()


async def fetched(url: str, accept: str = "*/*") -> tuple[int, str, bytes]:
    async with aiohttp.ClientSession() as session, session.get(url, headers={"Accept": accept}) as answer:
        return answer.status, answer.headers.get("Content-Type", ""), await answer.read()


def pictures_in(html: str) -> list[tuple[str, str]]:
    """(alt text, src) of each picture of a page."""
    return [
        (unescape(re.search(r'alt="([^"]*)"', img)[1]), re.search(r'src="([^"]+)"', img)[1])
        for img in re.findall(r"<img [^>]+>", html)
    ]


async def test_a_demand_drafted_with_two_pictures_reaches_another_fedaid_with_them(make_api) -> None:
    # Given the drivers' instance, allied with the coworking space's
    alpha, beta = await make_api("drivers", demand_update_interval=0), await make_api("coworking")
    await alpha.add_member("orga", role=AccountRole.ORGANISER)
    await beta.add_member("bea")
    await ally(beta.instance, alpha.instance)

    # When an organiser drafts a demand with two pictures on the web form, and publishes it
    orga = Visitor(alpha.base_url)
    try:
        await orga.sign_in("orga")
        files = {"picture_1": (photo(1600, 1000), "rally.jpg"), "picture_2": (photo(900, 1200), "car.jpg")}
        alts = {"alt_1": ALTS[0], "alt_2": ALTS[1]}
        drafted = await send_files(orga, "/demands/new", "/demands/new", {**DEMAND_FORM, **alts}, files)
        assert drafted.status == 200 and re.search(r"/demands/\d+$", drafted.url), drafted.text[:500]
        path = drafted.url.removeprefix(alpha.base_url)
        published = await orga.post(f"{path}/publish", {}, from_page=path)
    finally:
        await orga.close()
    # Then its page shows both, with their alt text, lazy-loaded, the small version for phones
    assert published.status == 200
    assert [alt for alt, _ in pictures_in(published.text)] == list(ALTS)
    assert all('loading="lazy"' in img and "srcset=" in img for img in re.findall(r"<img [^>]+>", published.text))

    # And its Question carries them as Mastodon's attachments: Image, mediaType, url, alt text as name...
    with alpha.instance.db.active():
        demand = await Demand.get(id=int(path.rsplit("/", 1)[1]))
    status, _, body = await fetched(demand.ap_id, AP_CONTENT_TYPE)
    assert status == 200
    attachments = json.loads(body)["attachment"]
    assert [(a["type"], a["mediaType"], a["name"]) for a in attachments] == [
        ("Image", "image/jpeg", alt) for alt in ALTS
    ]
    assert all(a["blurhash"] and a["width"] and a["height"] and len(a["focalPoint"]) == 2 for a in attachments)
    assert all(a["url"].startswith(f"{alpha.base_url}/media/") for a in attachments)

    # When the Question is delivered to the coworking space's instance and its worker fetches the pictures
    await drain(alpha.instance, beta.instance)
    with beta.instance.db.active():
        copy = await Demand.get(ap_id=demand.ap_id)
    # Then its demand page shows both, served from its own cache
    code, html = await page(beta.base_url, f"/demands/{copy.id}")
    assert code == 200
    shown = pictures_in(html)
    assert [alt for alt, _ in shown] == list(ALTS)
    assert all(src.startswith("/media/") for _, src in shown)
    assert (await fetched(f"{beta.base_url}{shown[0][1]}"))[:2] == (200, "image/jpeg")
    # And the client API shows the demand's status, its poll and both pictures as its media attachments
    status_body = (await beta.get(f"/api/v1/statuses/{copy.post_id}", as_="bea")).body
    media = status_body["media_attachments"]
    assert status_body["poll"] is not None
    assert [(m["type"], m["description"]) for m in media] == [("image", alt) for alt in ALTS]
    assert all(m["url"].startswith(f"{beta.base_url}/media/") for m in media)
    assert [m["remote_url"] for m in media] == [a["url"] for a in attachments]
    # And fedaid's own API lists them on the demand, as the client API does on its status
    shown = await beta.get(f"/api/fedaid/v1/demands/{copy.id}", as_="bea")
    FedaidSchema((await beta.get("/api/fedaid/v1/openapi.json")).body).check(
        "GET", "/api/fedaid/v1/demands/{id}", shown.status, shown.body
    )
    listed = shown.body["media_attachments"]
    assert [(m["description"], m["url"]) for m in listed] == [(m["description"], m["url"]) for m in media]


async def test_a_session_with_a_flyer_and_a_picture_goes_out_in_its_event_and_shows_elsewhere(make_api) -> None:
    # Given a circle on the coaching collective's instance, followed by bob on another instance
    alpha, beta = await make_api("coaching"), await make_api("drivers")
    fa = await alpha.add_member("fa")
    bob = await beta.add_member("bob")
    with alpha.instance.db.active():
        await ensure_default_categories()
        terms = CircleTerms(slug="marketing", name="Cercle marketing", topics=("marketing",), facilitators=(fa.actor,))
        circle = await create_circle(alpha.base_url, terms)
    with beta.instance.db.active():
        await follows.follow(bob.actor, await beta.instance.app[REMOTE_ACTORS].get_actor(circle.actor.ap_id))
    await drain(alpha.instance, beta.instance)

    # When the facilitator schedules a session with a PDF flyer and a picture on the circle's form
    facilitator = Visitor(alpha.base_url)
    try:
        await facilitator.sign_in("fa")
        fields = {
            "title": "Votre positionnement",
            "starts_at": SESSION_START.strftime("%Y-%m-%dT%H:%M"),
            "minutes": "120",
            "online_url": "https://visio.example/marketing",
            "alt_1": "Le programme de la séance",
            "alt_2": "La salle du coworking",
        }
        files = {"picture_1": (pdf(), "programme.pdf"), "picture_2": (photo(1200, 800), "salle.jpg")}
        sent = await send_files(facilitator, "/circles/marketing", "/circles/marketing/sessions", fields, files)
        assert sent.status == 200, sent.text[:500]
        with alpha.instance.db.active():
            session = await CoachingSession.get(title="Votre positionnement")
        path = session.ap_id.removeprefix(alpha.base_url)
        # Then its page shows the picture with its alt text and the flyer as a document
        code, html = await page(alpha.base_url, path)
        assert code == 200
        [(alt, src)] = pictures_in(html)
        assert alt == "La salle du coworking" and src.startswith("/media/")
        assert re.search(r'href="/media/[0-9a-f]+\.pdf"[^>]*>[^<]*</a>: Le programme de la séance', html)
        # ...both served to anyone, as the session's page is
        assert (await fetched(f"{alpha.base_url}{src}"))[:2] == (200, "image/jpeg")

        # And its Event carries them in Mastodon's shape, the picture also as the banner Mobilizon shows
        status, _, body = await fetched(session.ap_id, AP_CONTENT_TYPE)
        assert status == 200
        event = json.loads(body)
        assert [(a["type"], a.get("mediaType"), a["name"]) for a in event["attachment"]] == [
            ("Document", "application/pdf", "Le programme de la séance"),
            ("Image", "image/jpeg", "La salle du coworking"),
            ("Link", "text/html", "Online"),
        ]
        picture = event["attachment"][1]
        assert picture["blurhash"] and picture["width"] == 1200 and event["image"] == picture

        # When the Create(Event) reaches bob's instance and its worker fetches the files
        await drain(alpha.instance, beta.instance)
        with beta.instance.db.active():
            copy = await CoachingSession.get(ap_id=session.ap_id)
        # Then the session published elsewhere shows both, from that instance's own copies
        code, html = await page(beta.base_url, f"/sessions/{copy.id}")
        assert code == 200
        [(alt, src)] = pictures_in(html)
        assert alt == "La salle du coworking" and src.startswith("/media/")
        assert (await fetched(f"{beta.base_url}{src}"))[:2] == (200, "image/jpeg")
        [flyer] = re.findall(r'href="(/media/[0-9a-f]+\.pdf)"', html)
        assert (await fetched(f"{beta.base_url}{flyer}"))[:3] == (200, "application/pdf", pdf())

        # When the facilitator takes the flyer off on the session's page
        with alpha.instance.db.active():
            shown = await MediaAttachment.get(session_id=session.id, content_type="application/pdf")
        changed = await send_files(facilitator, path, f"{path}/media", {f"remove_{shown.id}": "on"}, {})
        assert changed.status == 200 and "Le programme" not in changed.text
    finally:
        await facilitator.close()
    # Then the Update(Event) takes it off the copy too, and the picture stays
    await drain(alpha.instance, beta.instance)
    code, html = await page(beta.base_url, f"/sessions/{copy.id}")
    assert "Le programme de la séance" not in html and "La salle du coworking" in html
