"""Tests for fedaid/domain/hour_transfers.py: a group session's hours, split between its co-facilitators."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from circle_factories import START, make_circle, make_session, remote_people
from mutual_aid_factories import NOW, make_local

from fedaid.activitypub.parse.events import JoinDoc
from fedaid.db import Database
from fedaid.domain import attendance, participation
from fedaid.domain.collective_ledger import collective_ledger
from fedaid.domain.hour_transfers import split
from fedaid.domain.ledger import ledger_of


def test_shares_add_up_to_the_hours_and_differ_by_a_cent_at_most() -> None:
    assert split(Decimal("2.00"), 3) == [Decimal("0.68"), Decimal("0.66"), Decimal("0.66")]
    assert split(Decimal("1.50"), 2) == [Decimal("0.75"), Decimal("0.75")]
    assert sum(split(Decimal("0.01"), 4)) == Decimal("0.01")


async def test_three_co_facilitators_give_a_two_hour_session_to_each_confirmed_participant(db: Database) -> None:
    # Given a 2-hour session facilitated by three members here, joined by three people elsewhere
    first, second, third = [await make_local(name) for name in ("fa", "fb", "fc")]
    circle = await make_circle(facilitator=first, facilitators=(first, second, third))
    session = await make_session(circle, ends_at=START + timedelta(hours=2))
    people = await remote_people(3)
    for number, person in enumerate(people):
        await participation.receive_join(
            person, JoinDoc(f"{person.ap_id}/join/{number}", person.ap_id, session.ap_id, ""), now=NOW
        )
    # When two of them confirm they attended and a facilitator confirms them, and the third only says so
    after = START + timedelta(hours=2)
    for person in people[:2]:
        assert await attendance.receive_attendance(person, person.ap_id, session.ap_id)
        assert await attendance.confirm_attendance_of(session, person, by=second, now=after)
    assert await attendance.receive_attendance(people[2], people[2].ap_id, session.ap_id)
    # Then each confirmed participant received 2 h, the facilitators gave 4 h between them, to the cent
    assert [(await ledger_of(person)).received for person in people] == [Decimal(2), Decimal(2), Decimal(0)]
    given = [(await ledger_of(facilitator)).given for facilitator in (first, second, third)]
    assert given == [Decimal("1.36"), Decimal("1.32"), Decimal("1.32")] and sum(given) == Decimal(4)
    # And the collective ledger counts 4 h given to the participants' collective
    pairs = await collective_ledger(await make_local("collective", group=True))
    assert [(pair.domain, pair.given, pair.received) for pair in pairs] == [("drivers.example", Decimal(4), Decimal(0))]
