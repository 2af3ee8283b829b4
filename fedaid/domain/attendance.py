"""Attendance of a group session: the participant and the circle (for its facilitators) each confirm.

Only an attendance both confirmed counts in the ledger: the participant receives the session's hours
and the facilitators give them, split equally. Each side's confirmation is set once, by a conditional
UPDATE, and goes to the other side's server as an `Arrive` whose `location` is the Event. No HTTP here.
"""

from __future__ import annotations

from datetime import datetime

from fedaid.activitypub.events import render_attendance
from fedaid.clock import utcnow
from fedaid.domain import circles
from fedaid.domain.publish import publish
from fedaid.errors import Conflict, Forbidden, NotFound
from fedaid.models import (
    Actor,
    Circle,
    CoachingSession,
    Notification,
    NotificationKind,
    Participation,
    ParticipationState,
)
from fedaid.models.ids import new_id


async def confirm_own_attendance(session: CoachingSession, member: Actor, *, now: datetime | None = None) -> bool:
    """A member here says they attended; True when this changed something."""
    moment = now or utcnow()
    row = await _accepted(session, member)
    _check_started(session, moment)
    if not await Participation.filter(id=row.id, participant_confirmed_at__isnull=True).update(
        participant_confirmed_at=moment
    ):
        return False
    organizer = await Actor.get(id=session.organizer_id)
    if not organizer.is_local:
        ap_id = f"{member.ap_id}/attendances/{new_id()}"
        await publish(
            render_attendance(ap_id, member, member, session, organizer, moment), sender=member, to=[organizer]
        )
    return True


async def confirm_attendance_of(
    session: CoachingSession, participant: Actor, *, by: Actor, now: datetime | None = None
) -> bool:
    """A facilitator confirms a participant attended (the circle speaks for its facilitators elsewhere)."""
    moment = now or utcnow()
    circle = await _circle(session)
    await circles.require_facilitator(circle, by)
    row = await _accepted(session, participant)
    _check_started(session, moment)
    if not await Participation.filter(id=row.id, organizer_confirmed_at__isnull=True).update(
        organizer_confirmed_at=moment
    ):
        return False
    if participant.is_local:
        await Notification.create(
            recipient=participant, kind=NotificationKind.SESSION, from_actor=by, session_id=session.id
        )
    else:
        ap_id = f"{circle.actor.ap_id}/attendances/{new_id()}"
        activity = render_attendance(ap_id, circle.actor, participant, session, participant, moment)
        await publish(activity, sender=circle.actor, to=[participant])
    return True


async def receive_attendance(actor: Actor, participant_ap_id: str | None, event_ap_id: str | None) -> bool:
    """An `Arrive` from elsewhere: a participant of ours confirms, or the organiser of a session elsewhere
    confirms our member attended. True when it counted something."""
    session = await CoachingSession.get_or_none(ap_id=event_ap_id or "")
    if session is None:
        raise NotFound("No session here has that id.")
    if session.is_local:
        if participant_ap_id not in (None, actor.ap_id):
            raise Forbidden("Only a participant confirms their own attendance here.")
        row = await _accepted(session, actor)
        field = "participant_confirmed_at"
    else:
        if actor.id != session.organizer_id:
            raise Forbidden("Only the session's organiser confirms who attended.")
        participant = await Actor.get_or_none(ap_id=participant_ap_id or "", is_local=True)
        if participant is None:
            raise NotFound("That participant is not a member here.")
        row = await _accepted(session, participant)
        field = "organizer_confirmed_at"
    changed = await Participation.filter(id=row.id, **{f"{field}__isnull": True}).update(**{field: utcnow()})
    return bool(changed)


async def _accepted(session: CoachingSession, actor: Actor) -> Participation:
    row = await Participation.get_or_none(session_id=session.id, actor_id=actor.id)
    if row is None or row.state != ParticipationState.ACCEPTED:
        raise NotFound("Only an accepted participant's attendance can be confirmed.")
    return row


def _check_started(session: CoachingSession, now: datetime) -> None:
    if session.is_cancelled:
        raise Conflict("This session was cancelled.")
    if session.starts_at > now:
        raise Conflict("Attendance is confirmed once the session has started.")


async def _circle(session: CoachingSession) -> Circle:
    if session.circle_id is None:
        raise Conflict("Only the circle of a session here confirms attendance here.")
    return await Circle.get(id=session.circle_id).select_related("actor")
