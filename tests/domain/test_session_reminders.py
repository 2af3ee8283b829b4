"""fedaid/domain/session_reminders.py: who is reminded of a session and asked to follow it up, and only once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from circle_factories import START, make_circle, make_session, remote_people
from mutual_aid_factories import NOW, make_local, make_remote

from fedaid.activitypub.parse.events import JoinDoc
from fedaid.db import Database
from fedaid.domain import participation, sessions
from fedaid.domain.session_reminders import prompt_due, remind_due
from fedaid.models import (
    CoachingSession,
    Notification,
    NotificationKind,
    Participation,
    ParticipationState,
    SessionStatus,
)


async def told(kind: NotificationKind) -> list[int]:
    return sorted(await Notification.filter(kind=kind).values_list("recipient_id", flat=True))


async def test_two_passes_at_once_remind_each_person_here_once(db: Database) -> None:
    # Given a session with a facilitator here, a member here with a seat, one waiting, and one from elsewhere
    circle = await make_circle()
    facilitator = (await circle.facilitators.all().select_related("actor"))[0].actor
    session = await make_session(circle, capacity=2)
    seated, waiting = await make_local("ana"), await make_local("bob")
    (elsewhere,) = await remote_people(1)
    await participation.join_session(session, seated, now=NOW)
    await participation.receive_join(
        elsewhere, JoinDoc(f"{elsewhere.ap_id}/join/1", elsewhere.ap_id, session.ap_id, ""), now=NOW
    )
    assert (await participation.join_session(session, waiting, now=NOW)).state == ParticipationState.WAITING
    # When two workers pass at once, the day before
    handled = await asyncio.gather(*(remind_due(START - timedelta(hours=20)) for _ in range(2)))
    # Then the session was handled once: the facilitator and the seated member are reminded, nobody else
    assert sorted(handled) == [0, 1]
    assert await told(NotificationKind.SESSION_REMINDER) == sorted([facilitator.id, seated.id])
    assert elsewhere.id not in await told(NotificationKind.SESSION_REMINDER)
    assert await remind_due(START - timedelta(hours=1)) == 0


async def test_a_moved_session_is_reminded_again_and_a_cancelled_one_not_at_all(db: Database) -> None:
    circle = await make_circle()
    facilitator = (await circle.facilitators.all().select_related("actor"))[0].actor
    moved, cancelled = await make_session(circle), await make_session(circle, title="Annulée")
    await sessions.cancel_session(cancelled, facilitator, now=NOW)
    assert await remind_due(START - timedelta(hours=2)) == 1
    # When the session moves a week later, its people are reminded of the new date
    later = START + timedelta(days=7)
    await sessions.move_session(moved, facilitator, starts_at=later, ends_at=later + timedelta(hours=2), now=NOW)
    assert await remind_due(START - timedelta(hours=1)) == 0  # not yet
    assert await remind_due(later - timedelta(hours=1)) == 1
    assert await Notification.filter(kind=NotificationKind.SESSION_REMINDER, session_id=cancelled.id).count() == 0


async def test_a_member_here_is_reminded_of_a_session_elsewhere_and_asked_after_it(db: Database) -> None:
    # Given our member has a seat in a Mobilizon session
    organiser = await make_remote("emorrp1", "mobilizon.example")
    ana = await make_local("ana")
    session = await CoachingSession.create(
        id=7,
        ap_id="https://mobilizon.example/events/7",
        organizer=organiser,
        title="Atelier",
        starts_at=START,
        ends_at=START + timedelta(hours=1),
    )
    await Participation.create(session=session, actor=ana, state=ParticipationState.ACCEPTED)
    assert await remind_due(START - timedelta(hours=3)) == 1
    assert await told(NotificationKind.SESSION_REMINDER) == [ana.id]
    # A prompt waits for the end, is sent once, and not for a session that ended days ago
    assert await prompt_due(START + timedelta(minutes=30)) == 0
    assert await prompt_due(START + timedelta(hours=2)) == 1
    assert await prompt_due(START + timedelta(hours=3)) == 0
    assert await told(NotificationKind.SESSION_FOLLOW_UP) == [ana.id]
    old = await CoachingSession.create(
        id=8,
        ap_id="https://mobilizon.example/events/8",
        organizer=organiser,
        title="Ancienne",
        starts_at=START - timedelta(days=5),
        ends_at=START - timedelta(days=5) + timedelta(hours=1),
        status=SessionStatus.CONFIRMED,
    )
    await Participation.create(session=old, actor=ana, state=ParticipationState.ACCEPTED)
    assert await prompt_due(START + timedelta(hours=4)) == 0
