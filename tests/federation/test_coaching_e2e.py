"""Coaching circles across three fedaid instances on 127.0.0.1: the circle lives on the coaching instance;
members of the drivers' and coworking collectives join a fortnightly series of sessions by `Join`; a
seventh waits and moves up when one leaves; attendance is confirmed on both sides; each member's ledger
and each instance's ledger between collectives count the hours, and agree with the other side's
collection as it serves it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import aiohttp

from fedaid.appkeys import REMOTE_ACTORS
from fedaid.domain import attendance, follows, participation
from fedaid.domain.categories import ensure_default_categories
from fedaid.domain.circles import CircleTerms, create_circle, get_circle
from fedaid.domain.ledger import ledger_of
from fedaid.domain.members import add_member
from fedaid.domain.sessions import SessionTerms, schedule_series
from fedaid.models import (
    Actor,
    CoachingSession,
    Delivery,
    Frequency,
    InboxItem,
    InboxState,
    Participation,
    ParticipationState,
)

from testsupport import FIXTURES, drain

START = (datetime.now(UTC) + timedelta(days=3)).replace(hour=16, minute=0, second=0, microsecond=0)
MOBILIZON_EVENT = FIXTURES / "mobilizon" / "event.json"


async def add_people(instance, names: list[str]) -> list[Actor]:
    with instance.db.active():
        await ensure_default_categories()
        for name in names:
            await add_member(instance.base_url, name, email=f"{name}@example.org", password="correct horse battery")
        return [await Actor.get(username=name, is_local=True) for name in names]


async def remote(instance, ap_id: str) -> Actor:
    with instance.db.active():
        return await instance.app[REMOTE_ACTORS].get_actor(ap_id)


async def get_json(url: str) -> Any:
    async with aiohttp.ClientSession() as client:
        async with client.get(url, headers={"Accept": "application/activity+json"}) as response:
            assert response.status == 200, (url, response.status)
            return await response.json(content_type=None)


def ledger_entries(collection: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {
        item["counterpartDomain"]: (item["given"]["hasNumericalValue"], item["received"]["hasNumericalValue"])
        for item in collection["orderedItems"]
    }


async def test_a_fortnightly_circle_across_three_instances(make_instance) -> None:
    drivers = await make_instance("drivers")
    coworking = await make_instance("coworking")
    coaching = await make_instance("coaching")
    (facilitator,) = await add_people(coaching, ["fa"])
    driver_members = await add_people(drivers, ["d0", "d1", "d2", "d3"])
    coworking_members = await add_people(coworking, ["w0", "w1", "w2"])

    # Given an open marketing circle on the coaching instance, followed by members of both collectives
    with coaching.db.active():
        circle = await create_circle(
            coaching.base_url,
            CircleTerms(slug="marketing", name="Cercle marketing", topics=("marketing",), facilitators=(facilitator,)),
        )
    for instance, people in ((drivers, driver_members), (coworking, coworking_members)):
        group = await remote(instance, circle.actor.ap_id)
        assert group.is_group and not group.is_collective
        with instance.db.active():
            for person in people:
                await follows.follow(person, group)
    await drain(drivers, coworking, coaching)

    # When the facilitator schedules a fortnightly series of 2-hour sessions with 6 seats
    with coaching.db.active():
        circle = await get_circle("marketing")
        terms = SessionTerms(
            title="Votre positionnement",
            starts_at=START,
            ends_at=START + timedelta(hours=2),
            online_url="https://visio.example/marketing",
            capacity=6,
            category="marketing",
        )
        await schedule_series(
            circle, facilitator, terms, frequency=Frequency.FORTNIGHTLY, until=START + timedelta(weeks=5)
        )
        ours = await CoachingSession.filter(circle_id=circle.id).order_by("starts_at")
        sent = [json.loads(row.payload) for row in await Delivery.filter(activity_id__contains="/events/")]
    assert [s.starts_at - ours[0].starts_at for s in ours] == [timedelta(0), timedelta(weeks=2), timedelta(weeks=4)]
    await drain(drivers, coworking, coaching)

    # Then the Event carries the fields Mobilizon reads, and each collective's instance shows the sessions
    event = next(doc["object"] for doc in sent if doc["type"] == "Create")
    mobilizon = json.loads(MOBILIZON_EVENT.read_text())
    for key in (
        "startTime",
        "endTime",
        "timezone",
        "maximumAttendeeCapacity",
        "remainingAttendeeCapacity",
        "joinMode",
        "participantCount",
        "category",
        "ical:status",
        "isOnline",
        "attributedTo",
        "content",
        "name",
        "url",
    ):
        assert key in event and key in mobilizon, key
    assert event["maximumAttendeeCapacity"] == 6 and event["remainingAttendeeCapacity"] == 6
    for instance in (drivers, coworking):
        with instance.db.active():
            assert await CoachingSession.filter(is_local=False).count() == 3
    first_id = ours[0].ap_id

    # When seven members join the first session by Join (four drivers, three coworkers)
    for instance, people in ((drivers, driver_members), (coworking, coworking_members)):
        with instance.db.active():
            session = await CoachingSession.get(ap_id=first_id)
            for person in people:
                await participation.join_session(session, person)
            await drain(instance, coaching)
    await drain(drivers, coworking, coaching)

    # Then six have a seat and the seventh (the last to join) waits
    with coaching.db.active():
        states = dict(await Participation.filter(session__ap_id=first_id).values_list("actor__username", "state"))
        assert (await CoachingSession.get(ap_id=first_id)).accepted_count == 6
    assert list(states.values()).count(ParticipationState.ACCEPTED) == 6
    assert states["w2"] == ParticipationState.WAITING
    with coworking.db.active():
        w2 = await Participation.get(actor__username="w2", session__ap_id=first_id)
        assert w2.state == ParticipationState.PENDING  # no answer yet: waiting

    # When one driver leaves, the seventh moves up and is told by an Accept
    with drivers.db.active():
        session = await CoachingSession.get(ap_id=first_id)
        await participation.leave_session(session, driver_members[3])
    await drain(drivers, coworking, coaching)
    with coworking.db.active():
        assert (await Participation.get(actor__username="w2", session__ap_id=first_id)).state == (
            ParticipationState.ACCEPTED
        )
    with coaching.db.active():
        assert (await Participation.get(actor__username="d3", session__ap_id=first_id)).state == ParticipationState.LEFT

    # When every participant and the facilitator confirm attendance after the session
    after = START + timedelta(hours=1)
    attendees = [(drivers, driver_members[:3]), (coworking, coworking_members)]
    for instance, people in attendees:
        with instance.db.active():
            session = await CoachingSession.get(ap_id=first_id)
            for person in people:
                assert await attendance.confirm_own_attendance(session, person, now=after)
    with coaching.db.active():
        session = await CoachingSession.get(ap_id=first_id)
        for row in await Participation.filter(session_id=session.id, state=ParticipationState.ACCEPTED).select_related(
            "actor"
        ):
            assert await attendance.confirm_attendance_of(session, row.actor, by=facilitator, now=after)
    await drain(drivers, coworking, coaching)

    # Then every member's ledger counts 2 hours received from the coaching collective
    for instance, people in attendees:
        with instance.db.active():
            for person in people:
                tally = await ledger_of(person)
                assert (tally.received, tally.given) == (Decimal("2.00"), Decimal("0.00"))
                assert tally.by_collective[coaching.settings.domain].received == Decimal("2.00")
    with coaching.db.active():
        tally = await ledger_of(facilitator)
    assert tally.given == Decimal("12.00")
    assert tally.by_collective[drivers.settings.domain].given == Decimal("6.00")
    assert tally.by_collective[coworking.settings.domain].given == Decimal("6.00")

    # And each instance's ledger between collectives agrees with the other side's collection
    coaching_ledger = ledger_entries(await get_json(f"{coaching.base_url}/c/coaching/ledger"))
    drivers_ledger = ledger_entries(await get_json(f"{drivers.base_url}/c/drivers/ledger"))
    coworking_ledger = ledger_entries(await get_json(f"{coworking.base_url}/c/coworking/ledger"))
    assert coaching_ledger == {
        drivers.settings.domain: ("6.00", "0.00"),
        coworking.settings.domain: ("6.00", "0.00"),
    }
    assert drivers_ledger == {coaching.settings.domain: ("0.00", "6.00")}
    assert coworking_ledger == {coaching.settings.domain: ("0.00", "6.00")}
    collective = await get_json(f"{coaching.base_url}/c/coaching")
    assert collective["ledger"] == f"{coaching.base_url}/c/coaching/ledger"

    # And every activity each instance received was applied
    for instance in (drivers, coworking, coaching):
        with instance.db.active():
            failed = await InboxItem.exclude(state=InboxState.DONE).values_list("activity_type", "last_error")
        assert failed == [], failed
