"""fedaid/domain/sessions.py series: weekly, fortnightly and monthly sessions created ahead at the same wall-clock
time in the circle's zone (across summer time and short months), one Create(Event) each, joined in one go."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from circle_factories import make_circle, session_terms
from mutual_aid_factories import NOW, follow, make_local, make_remote

from fedaid.db import Database
from fedaid.domain import participation, sessions
from fedaid.errors import InvalidInput
from fedaid.models import Circle, CoachingSession, Delivery, Frequency, ParticipationState, SessionSeries

PARIS = ZoneInfo("Europe/Paris")


async def schedule(
    frequency: Frequency, first: datetime, until: datetime, circle: Circle | None = None
) -> list[CoachingSession]:
    circle = circle or await make_circle()
    facilitator = (await sessions.circles.facilitators_of(circle))[0]
    terms = session_terms(starts_at=first, ends_at=first + timedelta(hours=2))
    series = await sessions.schedule_series(circle, facilitator, terms, frequency=frequency, until=until, now=NOW)
    return await CoachingSession.filter(series_id=series.id).order_by("starts_at")


def local_times(rows: list[CoachingSession]) -> list[str]:
    return [row.starts_at.astimezone(PARIS).strftime("%Y-%m-%d %H:%M") for row in rows]


async def test_a_weekly_series_keeps_its_local_time_across_the_end_of_summer_time(db: Database) -> None:
    # Summer time ends in France on 25 October 2026
    circle = await make_circle()
    await follow(await make_remote("bea", "drivers.example"), circle.actor)  # a follower elsewhere
    first, until = datetime(2026, 10, 14, 18, tzinfo=PARIS), datetime(2026, 11, 5, tzinfo=PARIS)
    rows = await schedule(Frequency.WEEKLY, first, until, circle)
    assert local_times(rows) == ["2026-10-14 18:00", "2026-10-21 18:00", "2026-10-28 18:00", "2026-11-04 18:00"]
    utc_hours = [row.starts_at.astimezone(ZoneInfo("UTC")).hour for row in rows]
    assert utc_hours == [16, 16, 17, 17]
    assert all(row.ends_at - row.starts_at == timedelta(hours=2) for row in rows)
    # One Create(Event) per session, each with its own id
    creates = [json.loads(row.payload) for row in await Delivery.all()]
    events = {doc["object"]["id"] for doc in creates if doc["type"] == "Create" and doc["object"]["type"] == "Event"}
    assert events == {row.ap_id for row in rows}


async def test_a_fortnightly_series_ends_on_or_before_its_last_day(db: Database) -> None:
    first = datetime(2026, 4, 7, 9, 30, tzinfo=PARIS)
    rows = await schedule(Frequency.FORTNIGHTLY, first, first + timedelta(weeks=6))
    assert local_times(rows) == ["2026-04-07 09:30", "2026-04-21 09:30", "2026-05-05 09:30", "2026-05-19 09:30"]


async def test_a_monthly_series_from_the_31st_takes_the_last_day_of_shorter_months(db: Database) -> None:
    rows = await schedule(
        Frequency.MONTHLY, datetime(2027, 1, 31, 18, tzinfo=PARIS), datetime(2027, 5, 1, tzinfo=PARIS)
    )
    assert local_times(rows) == ["2027-01-31 18:00", "2027-02-28 18:00", "2027-03-31 18:00", "2027-04-30 18:00"]


async def test_a_series_ending_before_it_starts_or_too_long_is_refused_and_nothing_is_kept(db: Database) -> None:
    first = datetime(2026, 4, 7, 9, 30, tzinfo=PARIS)
    circle = await make_circle()
    await follow(await make_remote("bea", "drivers.example"), circle.actor)
    with pytest.raises(InvalidInput, match="must end after its first session starts"):
        await schedule(Frequency.WEEKLY, first, first - timedelta(days=1), circle)
    with pytest.raises(InvalidInput, match="at most 60 sessions"):
        await schedule(Frequency.WEEKLY, first, first + timedelta(weeks=70), circle)
    assert await SessionSeries.all().count() == 0 and await CoachingSession.all().count() == 0
    assert await Delivery.all().count() == 0


async def test_joining_a_series_takes_a_seat_in_each_coming_session(db: Database) -> None:
    first = datetime(2026, 4, 7, 9, 30, tzinfo=PARIS)
    rows = await schedule(Frequency.WEEKLY, first, first + timedelta(weeks=2))
    bea = await make_local("bea")
    joined = await participation.join_series(rows[0], bea, now=NOW)
    assert [row.session_id for row in joined] == [row.id for row in rows]
    assert {row.state for row in joined} == {ParticipationState.ACCEPTED}
    # After the first session, the convenience only joins the ones still ahead
    cy = await make_local("cy")
    later = await participation.join_series(rows[0], cy, now=rows[0].starts_at + timedelta(hours=3))
    assert [row.session_id for row in later] == [row.id for row in rows[1:]]
