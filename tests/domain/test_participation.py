"""Tests for fedaid/domain/participation.py: seats, the waiting list, joins and leaves from elsewhere."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from circle_factories import make_circle, make_session, remote_people
from mutual_aid_factories import NOW, make_local

from fedaid.activitypub.parse.events import JoinDoc
from fedaid.db import Database
from fedaid.domain import participation, sessions
from fedaid.errors import Conflict
from fedaid.models import CoachingSession, Delivery, Participation, ParticipationState


def join_of(actor, session, number: int = 0) -> JoinDoc:
    return JoinDoc(f"{actor.ap_id}/join/{number}", actor.ap_id, session.ap_id, "")


async def states(session: CoachingSession) -> dict[str, int]:
    rows = await Participation.filter(session_id=session.id).values_list("state", flat=True)
    return {state: list(rows).count(state) for state in set(rows)}


async def test_twenty_joins_at_once_for_six_seats_give_six_accepted_and_fourteen_waiting(db: Database) -> None:
    # Given a session with 6 seats and 20 people elsewhere
    session = await make_session(await make_circle(), capacity=6)
    people = await remote_people(20)
    # When their 20 Joins are applied at the same moment
    await asyncio.gather(*(participation.receive_join(p, join_of(p, session), now=NOW) for p in people))
    # Then exactly 6 are accepted and 14 wait, and the seat count agrees
    assert await states(session) == {ParticipationState.ACCEPTED: 6, ParticipationState.WAITING: 14}
    assert (await CoachingSession.get(id=session.id)).accepted_count == 6
    accepts = await Delivery.filter(activity_id__contains="/accepts/joins/").count()
    assert accepts == 6


async def test_a_leave_moves_the_first_waiting_up_and_sends_them_the_accept(db: Database) -> None:
    session = await make_session(await make_circle(), capacity=1)
    first, second, third = await remote_people(3)
    for number, person in enumerate((first, second, third)):
        await participation.receive_join(person, join_of(person, session, number), now=NOW)
    # When the one with the seat leaves
    assert await participation.receive_leave(first, session.ap_id)
    # Then the first on the waiting list has it, the other still waits
    by_actor = dict(await Participation.filter(session_id=session.id).values_list("actor_id", "state"))
    assert by_actor == {
        first.id: ParticipationState.LEFT,
        second.id: ParticipationState.ACCEPTED,
        third.id: ParticipationState.WAITING,
    }
    accept = (
        await Delivery.filter(activity_id__contains="/accepts/joins/", inbox=second.shared_inbox)
        .order_by("-id")
        .first()
    )
    payload = json.loads(accept.payload)
    assert payload["type"] == "Accept" and payload["object"]["actor"] == second.ap_id
    assert payload["object"]["id"] == f"{second.ap_id}/join/1"
    assert (await CoachingSession.get(id=session.id)).accepted_count == 1


async def test_a_join_sent_again_changes_nothing(db: Database) -> None:
    session = await make_session(await make_circle(), capacity=2)
    (person,) = await remote_people(1)
    await participation.receive_join(person, join_of(person, session), now=NOW)
    await participation.receive_join(person, join_of(person, session), now=NOW)
    assert (await CoachingSession.get(id=session.id)).accepted_count == 1
    assert await Participation.filter(session_id=session.id).count() == 1


async def test_a_join_to_a_past_session_is_refused_and_nothing_is_kept(db: Database) -> None:
    session = await make_session(await make_circle())
    (person,) = await remote_people(1)
    later = session.starts_at + timedelta(minutes=1)
    assert await participation.receive_join(person, join_of(person, session), now=later) is None
    assert await Participation.filter(session_id=session.id).count() == 0
    reject = await Delivery.filter(activity_id__contains="/rejects/joins/").get()
    assert json.loads(reject.payload)["object"]["id"] == f"{person.ap_id}/join/0"


async def test_a_member_here_cannot_join_a_past_session(db: Database) -> None:
    session = await make_session(await make_circle())
    bea = await make_local("bea")
    with pytest.raises(Conflict, match="already started"):
        await participation.join_session(session, bea, now=session.starts_at + timedelta(hours=1))
    assert await Participation.filter(session_id=session.id).count() == 0


async def test_capacity_cannot_go_below_the_accepted_count(db: Database) -> None:
    circle = await make_circle()
    session = await make_session(circle, capacity=3)
    for person in await remote_people(3):
        await participation.receive_join(person, join_of(person, session), now=NOW)
    facilitator = (await sessions.circles.facilitators_of(circle))[0]
    with pytest.raises(Conflict, match="already accepted"):
        await sessions.change_capacity(session, facilitator, 2)
    assert (await CoachingSession.get(id=session.id)).capacity == 3
