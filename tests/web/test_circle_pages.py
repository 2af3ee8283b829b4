"""Circle pages and feeds, as a facilitator and a member use them without JavaScript: the `.ics` feeds read by
a real parser (`icalendar`), a session moved by an hour updated in place, the member's secret link, and the
bad input a facilitator or a remote server may send, refused with a reason and leaving nothing behind."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
import icalendar
import pytest

from fedaid.domain import policy
from fedaid.domain.categories import ensure_default_categories
from fedaid.domain.circles import CircleTerms, create_circle
from fedaid.models import Actor, CoachingSession, Participation, SessionSeries
from tests.web.helpers import Visitor, make_member

from fakes.remote_instance import start_fake_remote

PARIS = ZoneInfo("Europe/Paris")
START = (datetime.now(PARIS) + timedelta(days=5)).replace(hour=18, minute=0, second=0, microsecond=0)


def form_time(moment: datetime) -> str:
    """A `datetime-local` value, as the browser sends it (wall-clock time in the circle's zone)."""
    return moment.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
async def circle_site(make_instance):
    """An instance with a marketing circle, its facilitator `fa` and a member `bea`, both able to sign in."""
    instance = await make_instance("coaching")
    with instance.db.active():
        await ensure_default_categories()
        facilitator = await make_member(instance.base_url, "fa")
        await make_member(instance.base_url, "bea")
        await create_circle(
            instance.base_url,
            CircleTerms(
                slug="marketing", name="Cercle marketing", topics=("marketing",), facilitators=(facilitator.actor,)
            ),
        )
    return instance


@pytest.fixture
async def facilitator(circle_site):
    visitor = Visitor(circle_site.base_url)
    await visitor.sign_in("fa")
    yield visitor
    await visitor.close()


async def schedule(visitor: Visitor, **fields: str) -> int:
    data = {
        "title": "Votre positionnement",
        "starts_at": form_time(START),
        "minutes": "120",
        "capacity": "6",
        "online_url": "https://visio.example/marketing",
        "frequency": "",
        **fields,
    }
    page = await visitor.post("/circles/marketing/sessions", data, from_page="/circles/marketing")
    return page.status


async def feed(url: str) -> icalendar.Calendar:
    async with aiohttp.ClientSession() as client, client.get(url) as answer:
        assert answer.status == 200, (url, answer.status)
        assert answer.content_type == "text/calendar"
        return icalendar.Calendar.from_ical(await answer.read())


def events(calendar: icalendar.Calendar) -> list[icalendar.Event]:
    return [component for component in calendar.walk("VEVENT")]


async def test_the_circle_feed_parses_and_a_session_moved_by_an_hour_is_updated_not_duplicated(
    circle_site, facilitator
) -> None:
    # Given a fortnightly series of three sessions scheduled on the circle's page
    assert await schedule(facilitator, frequency="fortnightly", until=form_time(START + timedelta(weeks=5))) == 200
    url = f"{circle_site.base_url}/circles/marketing/calendar.ics"
    before = events(await feed(url))
    with circle_site.db.active():
        ours = await CoachingSession.filter(is_local=True).order_by("starts_at")
    # Then the feed has one VEVENT per session, its UID the Event's id, at the wall-clock time chosen
    assert [str(event["uid"]) for event in before] == [session.ap_id for session in ours]
    starts = [event.decoded("dtstart") for event in before]
    assert [start.astimezone(PARIS).strftime("%H:%M") for start in starts] == ["18:00"] * 3
    assert starts[1] - starts[0] >= timedelta(days=13) and starts[2] - starts[1] >= timedelta(days=13)
    assert all(event.decoded("dtend") - event.decoded("dtstart") == timedelta(hours=2) for event in before)
    assert {str(event["status"]) for event in before} == {"CONFIRMED"}

    # When the facilitator moves the first session one hour later with the page's form
    first = ours[0]
    path = first.ap_id.removeprefix(circle_site.base_url)
    moved = await facilitator.post(
        f"{path}/move", {"starts_at": form_time(START + timedelta(hours=1)), "minutes": "120"}, from_page=path
    )
    assert moved.status == 200
    after = events(await feed(url))

    # Then the same UID carries the new time with a higher SEQUENCE, and nothing is duplicated
    assert [str(event["uid"]) for event in after] == [str(event["uid"]) for event in before]
    assert after[0].decoded("dtstart") == before[0].decoded("dtstart") + timedelta(hours=1)
    assert int(after[0]["sequence"]) == int(before[0]["sequence"]) + 1
    assert after[1].decoded("dtstart") == before[1].decoded("dtstart")

    # And a cancelled session stays in the feed, marked CANCELLED, under its UID
    assert (await facilitator.post(f"{path}/cancel", {}, from_page=path)).status == 200
    cancelled = events(await feed(url))
    assert [str(event["uid"]) for event in cancelled] == [str(event["uid"]) for event in before]
    assert str(cancelled[0]["status"]) == "CANCELLED"


async def test_the_member_feed_lives_behind_a_secret_link_that_renewing_ends(circle_site, facilitator) -> None:
    assert await schedule(facilitator) == 200
    with circle_site.db.active():
        session = await CoachingSession.get(is_local=True)
    path = session.ap_id.removeprefix(circle_site.base_url)
    bea = Visitor(circle_site.base_url)
    try:
        await bea.sign_in("bea")
        assert (await bea.post(f"{path}/join", {}, from_page=path)).status == 200
        page = await bea.post("/settings/calendar", {}, from_page="/settings/calendar")
        link = page.text.split(f"{circle_site.base_url}/calendar/", 1)[1].split(".ics", 1)[0]
        mine = f"{circle_site.base_url}/calendar/{link}.ics"
        # The member's feed lists the session joined, under the same UID as the circle's feed
        assert [str(event["uid"]) for event in events(await feed(mine))] == [session.ap_id]
        # When the member renews the link, the old one stops working
        await bea.post("/settings/calendar", {}, from_page="/settings/calendar")
    finally:
        await bea.close()
    async with aiohttp.ClientSession() as client, client.get(mine) as answer:
        assert answer.status == 404


async def test_a_series_ending_before_it_starts_is_refused_with_a_reason(circle_site, facilitator) -> None:
    status = await schedule(facilitator, frequency="weekly", until=form_time(START - timedelta(days=1)))
    assert status == 400
    assert "must end after its first session starts" in facilitator.last.text
    with circle_site.db.active():
        assert await CoachingSession.all().count() == 0
        assert await SessionSeries.all().count() == 0


async def test_a_capacity_below_the_accepted_count_is_refused_with_a_reason(circle_site, facilitator) -> None:
    assert await schedule(facilitator, capacity="2") == 200
    with circle_site.db.active():
        session = await CoachingSession.get(is_local=True)
    path = session.ap_id.removeprefix(circle_site.base_url)
    for name in ("bea", "cy"):
        if name == "cy":
            with circle_site.db.active():
                await make_member(circle_site.base_url, "cy")
        visitor = Visitor(circle_site.base_url)
        await visitor.sign_in(name)
        assert (await visitor.post(f"{path}/join", {}, from_page=path)).status == 200
        await visitor.close()
    answer = await facilitator.post(f"{path}/capacity", {"capacity": "1"}, from_page=path)
    assert answer.status == 409 and "already accepted" in answer.text
    with circle_site.db.active():
        assert (await CoachingSession.get(id=session.id)).capacity == 2


async def test_a_join_to_a_past_session_is_refused_with_a_reason(circle_site, facilitator) -> None:
    assert await schedule(facilitator) == 200
    with circle_site.db.active():
        session = await CoachingSession.get(is_local=True)
    path = session.ap_id.removeprefix(circle_site.base_url)
    bea = Visitor(circle_site.base_url)
    try:
        await bea.sign_in("bea")
        await bea.get(path)
        with circle_site.db.active():  # the session started an hour ago
            started = datetime.now(UTC) - timedelta(hours=1)
            await CoachingSession.filter(id=session.id).update(starts_at=started, ends_at=started + timedelta(hours=2))
        answer = await bea.post(f"{path}/join", {})
        assert answer.status == 409 and "already started" in answer.text
    finally:
        await bea.close()
    with circle_site.db.active():
        assert await Participation.filter(session_id=session.id).count() == 0


async def test_a_join_from_a_blocked_domain_is_refused_with_a_reason(circle_site, facilitator, aiohttp_server) -> None:
    assert await schedule(facilitator) == 200
    fake = await start_fake_remote(aiohttp_server, usernames=("mo",))
    with circle_site.db.active():
        session = await CoachingSession.get(is_local=True)
        await policy.set_domain_policy(fake.domain, policy.PolicyKind.BLOCK)
    join = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": fake.url("/users/mo/join/1"),
        "type": "Join",
        "actor": fake.actor_id("mo"),
        "object": session.ap_id,
    }
    status, reason = await fake.post_signed(f"{circle_site.base_url}/inbox", join, as_user="mo")
    assert status == 403 and "blocked" in json.loads(reason)["error"]
    await circle_site.run_worker_once()
    with circle_site.db.active():
        assert await Participation.filter(session_id=session.id).count() == 0
        assert (await CoachingSession.get(id=session.id)).accepted_count == 0
        assert not await Actor.filter(ap_id=fake.actor_id("mo")).exists()  # nothing fetched, nothing stored


async def test_circle_and_session_pages_in_french_and_english_without_scripts(circle_site, facilitator) -> None:
    assert await schedule(facilitator) == 200
    with circle_site.db.active():
        session = await CoachingSession.get(is_local=True)
    paths = ["/circles", "/circles/marketing", session.ap_id.removeprefix(circle_site.base_url)]
    shown: dict[str, dict[str, str]] = {}
    async with aiohttp.ClientSession() as client:
        for language in ("fr", "en"):
            for path in paths:
                headers = {"Accept-Language": language, "Accept": "text/html"}
                async with client.get(circle_site.base_url + path, headers=headers) as page:
                    assert page.status == 200, path
                    shown.setdefault(language, {})[path] = await page.text()
    for language, pages in shown.items():
        for path, html in pages.items():
            assert f'<html lang="{language}"' in html and "<script" not in html, (language, path)
            assert 'name="viewport"' in html
    assert "Agenda du cercle (.ics)" in shown["fr"]["/circles/marketing"]
    assert "Calendar of the circle (.ics)" in shown["en"]["/circles/marketing"]
    assert "Votre positionnement" in shown["fr"][paths[2]]


async def test_circle_and_session_pages_fit_a_390_px_phone(circle_site, facilitator, browser) -> None:
    assert await schedule(facilitator) == 200
    with circle_site.db.active():
        session = await CoachingSession.get(is_local=True)
    context = await browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    try:
        page = await context.new_page()
        for path in ("/circles", "/circles/marketing", session.ap_id.removeprefix(circle_site.base_url), "/demands"):
            await page.goto(circle_site.base_url + path)
            overflow = await page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{path} is {overflow}px too wide for a phone"
    finally:
        await context.close()
