"""The schedule of a mentoring agreement, stored with the agreement on both parties' servers alike.

A leaf module: `agreements` stores through it and `exchanges` asks it, `mentoring` builds on it. No HTTP here.
"""

from __future__ import annotations

from decimal import Decimal

from fedaid.activitypub.parse.agreements import ScheduleDoc
from fedaid.errors import InvalidInput
from fedaid.models import Agreement, MentoringMeeting, Mentorship

CENT = Decimal("0.01")


async def store_schedule(agreement: Agreement, schedule: ScheduleDoc) -> Mentorship:
    """The agreement's meetings; its hours are spread evenly over them (each meeting counts its share)."""
    per_meeting = (agreement.hours / len(schedule.meetings)).quantize(CENT)
    if per_meeting <= 0 or per_meeting * len(schedule.meetings) != agreement.hours:
        raise InvalidInput("A mentoring agreement's hours must split evenly over its meetings.")
    mentorship = await Mentorship.create(
        agreement=agreement, frequency=schedule.frequency[:16], hours_per_meeting=per_meeting
    )
    await MentoringMeeting.bulk_create(
        [MentoringMeeting(mentorship=mentorship, starts_at=start) for start in schedule.meetings]
    )
    return mentorship


async def find_mentorship(agreement_id: int) -> Mentorship | None:
    return await Mentorship.get_or_none(agreement_id=agreement_id)


async def hours_already_met(agreement: Agreement) -> Decimal:
    """The hours of the meetings both sides confirmed: given, counted in the ledger, never handed back."""
    mentorship = await find_mentorship(agreement.id)
    if mentorship is None:
        return Decimal(0)
    met = await MentoringMeeting.filter(
        mentorship_id=mentorship.id, mentor_confirmed_at__isnull=False, mentee_confirmed_at__isnull=False
    ).count()
    return mentorship.hours_per_meeting * met
