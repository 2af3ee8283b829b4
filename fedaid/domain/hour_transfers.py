"""Every confirmed giving of hours, whatever its source, as (provider, receiver, hours) transfers.

Three sources count: exchanges of an agreement both parties confirmed (and nobody disputed); group sessions whose
attendance the participant and the organiser confirmed (the participant receives the session's
hours; the facilitators give them, split equally, so the two sides balance); mentoring meetings
both confirmed. The ledger and the collective ledger sum these. No HTTP here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from tortoise.expressions import Q

from fedaid.domain.sessions import session_hours
from fedaid.models import (
    Actor,
    CoachingSession,
    Exchange,
    MentoringMeeting,
    Participation,
    ParticipationState,
)

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Transfer:
    provider_id: int
    provider_domain: str
    receiver_id: int
    receiver_domain: str
    hours: Decimal


async def transfers(actor_ids: list[int] | None = None) -> list[Transfer]:
    """Confirmed transfers, all of them or those with one of `actor_ids` on either side."""
    return await _exchanges(actor_ids) + await _sessions(actor_ids) + await _mentoring(actor_ids)


async def _exchanges(actor_ids: list[int] | None) -> list[Transfer]:
    query = Exchange.filter(
        provider_confirmed_at__isnull=False, receiver_confirmed_at__isnull=False, disputed_at__isnull=True
    )
    if actor_ids is not None:
        query = query.filter(Q(agreement__provider_id__in=actor_ids) | Q(agreement__receiver_id__in=actor_ids))
    rows = await query.values_list(
        "agreement__provider_id",
        "agreement__provider__domain",
        "agreement__receiver_id",
        "agreement__receiver__domain",
        "hours",
    )
    return [Transfer(p, pd, r, rd, Decimal(str(hours))) for p, pd, r, rd, hours in rows]


async def _sessions(actor_ids: list[int] | None) -> list[Transfer]:
    query = Participation.filter(
        state=ParticipationState.ACCEPTED, participant_confirmed_at__isnull=False, organizer_confirmed_at__isnull=False
    )
    if actor_ids is not None:
        query = query.filter(
            Q(actor_id__in=actor_ids)
            | Q(session__facilitators__id__in=actor_ids)
            | Q(session__organizer_id__in=actor_ids, session__is_local=False)
        )
    rows = await query.distinct().select_related("actor", "session__organizer")
    found: list[Transfer] = []
    givers: dict[int, list[Actor]] = {}
    for row in rows:
        session: CoachingSession = row.session
        if session.id not in givers:
            local = await session.facilitators.all() if session.is_local else []
            givers[session.id] = list(local) or [session.organizer]
        for giver, share in zip(
            givers[session.id], split(session_hours(session), len(givers[session.id])), strict=True
        ):
            found.append(Transfer(giver.id, giver.domain, row.actor_id, row.actor.domain, share))
    return found


def split(hours: Decimal, ways: int) -> list[Decimal]:
    """`hours` in `ways` equal shares to the cent; the first takes the odd cents, so the shares add up."""
    share = (hours / ways).quantize(CENT, rounding=ROUND_DOWN)
    return [hours - share * (ways - 1), *[share] * (ways - 1)]


async def _mentoring(actor_ids: list[int] | None) -> list[Transfer]:
    query = MentoringMeeting.filter(mentor_confirmed_at__isnull=False, mentee_confirmed_at__isnull=False)
    if actor_ids is not None:
        query = query.filter(
            Q(mentorship__agreement__provider_id__in=actor_ids) | Q(mentorship__agreement__receiver_id__in=actor_ids)
        )
    rows = await query.values_list(
        "mentorship__agreement__provider_id",
        "mentorship__agreement__provider__domain",
        "mentorship__agreement__receiver_id",
        "mentorship__agreement__receiver__domain",
        "mentorship__hours_per_meeting",
    )
    return [Transfer(p, pd, r, rd, Decimal(str(hours))) for p, pd, r, rd, hours in rows]
