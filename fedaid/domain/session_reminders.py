"""Before and after a coaching session: a reminder the day before, and a follow-up prompt once it ended.

Each is sent once per session: a conditional UPDATE sets `reminded_at` or `follow_up_prompted_at`, and in the
same transaction every member here who takes part (accepted participants, and the facilitators of our own
sessions) gets one notification; `dispatch` turns notifications into queued mail and push jobs, so a worker
that crashes before the commit leaves the session to the next pass and one that crashes after it has queued
nothing twice. Sessions elsewhere count too: our members who joined one are reminded here. No HTTP here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from fedaid.clock import utcnow
from fedaid.domain.periodic import Periodic
from fedaid.models import (
    CoachingSession,
    Notification,
    NotificationKind,
    Participation,
    ParticipationState,
    SessionStatus,
)

REMIND_BEFORE = timedelta(hours=24)
# A prompt about a session that ended days ago (an instance that was down) would only puzzle its reader.
PROMPT_WITHIN = timedelta(days=2)
BATCH = 100
INTERVAL = timedelta(minutes=1)


def reminders_again() -> dict[str, None]:
    """The fields to clear when a session moves: its people are reminded and prompted again for the new time."""
    return {"reminded_at": None, "follow_up_prompted_at": None}


async def remind_due(now: datetime, *, batch: int = BATCH) -> int:
    """Remind the people of sessions starting within a day; returns how many sessions were handled."""
    due = (
        CoachingSession.filter(reminded_at__isnull=True, starts_at__gt=now, starts_at__lte=now + REMIND_BEFORE)
        .exclude(status=SessionStatus.CANCELLED)
        .order_by("starts_at", "id")
        .limit(batch)
    )
    return await _tell_once(await due, "reminded_at", NotificationKind.SESSION_REMINDER, now)


async def prompt_due(now: datetime, *, batch: int = BATCH) -> int:
    """Ask the people of sessions that just ended for their notes, check-ins and attendance."""
    due = (
        CoachingSession.filter(follow_up_prompted_at__isnull=True, ends_at__lte=now, ends_at__gt=now - PROMPT_WITHIN)
        .exclude(status=SessionStatus.CANCELLED)
        .order_by("ends_at", "id")
        .limit(batch)
    )
    return await _tell_once(await due, "follow_up_prompted_at", NotificationKind.SESSION_FOLLOW_UP, now)


async def _tell_once(sessions: list[CoachingSession], field: str, kind: NotificationKind, now: datetime) -> int:
    handled = 0
    for session in sessions:
        async with in_transaction():
            # The conditional update claims the session: two workers cannot both send its notifications.
            if not await CoachingSession.filter(id=session.id, **{f"{field}__isnull": True}).update(**{field: now}):
                continue
            for person_id in await _people_here(session):
                await Notification.create(
                    recipient_id=person_id, kind=kind, from_actor_id=session.organizer_id, session_id=session.id
                )
        handled += 1
    return handled


async def _people_here(session: CoachingSession) -> list[int]:
    """Members here with a seat in the session, and the facilitators of a session of ours."""
    people = await Participation.filter(
        session_id=session.id, state=ParticipationState.ACCEPTED, actor__is_local=True, actor__deleted_at__isnull=True
    ).values_list("actor_id", flat=True)
    facilitators = (
        await session.facilitators.filter(is_local=True).values_list("id", flat=True) if session.is_local else []
    )
    ids: list[int] = [*facilitators, *people]  # type: ignore[list-item]  # values_list(flat=True) gives ints
    return list(dict.fromkeys(ids))


class SessionReminders(Periodic):
    """The worker's job: `remind_due` and `prompt_due` at most once per `interval` (see `Periodic`)."""

    def __init__(
        self, interval: timedelta = INTERVAL, *, clock: Callable[[], datetime] = utcnow, batch: int = BATCH
    ) -> None:
        super().__init__(_remind_and_prompt, interval, batch=batch, clock=clock)


async def _remind_and_prompt(now: datetime, batch: int) -> int:
    return await remind_due(now, batch=batch) + await prompt_due(now, batch=batch)
