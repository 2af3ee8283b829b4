"""RSVPs to coaching sessions, as Mobilizon runs them: `Join` → `Accept` | `Reject`, `Leave` to cancel.

Seats are taken by one conditional UPDATE (`accepted_count < capacity`), so 20 joins arriving at
once for 6 seats give exactly 6 accepted, on SQLite and PostgreSQL alike. A Join that finds the
session full stays pending on the waiting list; when someone leaves, the first waiting takes the
seat and receives the Accept. No HTTP here.
"""

from __future__ import annotations

from datetime import datetime

from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from fedaid.activitypub.events import render_join, render_join_answer, render_leave
from fedaid.activitypub.parse.events import JoinDoc
from fedaid.activitypub.vocab import ActivityType
from fedaid.clock import utcnow
from fedaid.domain import circles, sessions
from fedaid.domain.publish import publish
from fedaid.errors import Conflict, Forbidden, InvalidInput, NotFound
from fedaid.models import (
    Actor,
    CoachingSession,
    JoinMode,
    Notification,
    NotificationKind,
    Participation,
    ParticipationState,
)
from fedaid.models.ids import new_id

_ACTIVE = (ParticipationState.ACCEPTED, ParticipationState.WAITING, ParticipationState.PENDING)


def check_open_for_joins(session: CoachingSession, *, now: datetime) -> None:
    """A join needs a session that has not started and is not cancelled."""
    if session.is_cancelled:
        raise Conflict("This session is cancelled.")
    if session.starts_at <= now:
        raise Conflict("This session has already started; joins are closed.")
    if session.join_mode in (JoinMode.EXTERNAL, JoinMode.INVITE):
        raise Conflict("This session does not take joins here.")


async def join_session(
    session: CoachingSession, member: Actor, *, message: str = "", now: datetime | None = None
) -> Participation:
    """A member here RSVPs: a seat at once, the waiting list, or a Join sent to the session's server."""
    if not member.is_local:
        raise Forbidden("Joins from elsewhere arrive through the inbox.")
    moment = now or utcnow()
    check_open_for_joins(session, now=moment)
    if session.organizer_id == member.id:
        raise InvalidInput("The organiser does not join its own session.")
    async with in_transaction():
        row, is_new = await _participation_row(session, member, join_ap_id=None, message=message)
        if not is_new:
            return row  # already joined, or waiting: nothing changes
        row.join_ap_id = f"{member.ap_id}/joins/{new_id()}"
        if session.is_local:
            await _seat_or_wait(session, row)
        else:
            row.state = ParticipationState.PENDING  # the organiser's server answers with Accept or Reject
            await row.save(update_fields=["state", "join_ap_id", "message", "updated_at"])
            organizer = await Actor.get(id=session.organizer_id)
            await publish(render_join(row, member, session, organizer), sender=member, to=[organizer], now=moment)
    return row


async def join_series(session: CoachingSession, member: Actor, *, now: datetime | None = None) -> list[Participation]:
    """The convenience of joining every coming session of the series: one Join per session."""
    if session.series_id is None:
        return [await join_session(session, member, now=now)]
    moment = now or utcnow()
    rows = []
    for one in await CoachingSession.filter(series_id=session.series_id, starts_at__gt=moment).order_by("starts_at"):
        if not one.is_cancelled:
            rows.append(await join_session(one, member, now=moment))
    return rows


async def receive_join(actor: Actor, doc: JoinDoc, *, now: datetime | None = None) -> Participation | None:
    """A Join of one of our sessions from elsewhere: accepted, waiting, pending, or refused with a Reject."""
    session = await CoachingSession.get_or_none(ap_id=doc.object_ap_id, is_local=True)
    if session is None:
        raise NotFound("No session here has that id.")
    if actor.is_local:
        raise Forbidden("A local member joins here, not through the inbox.")
    moment = now or utcnow()
    organizer = await Actor.get(id=session.organizer_id)
    async with in_transaction():
        existing = await Participation.get_or_none(session_id=session.id, actor_id=actor.id)
        if existing is not None and existing.state in _ACTIVE:
            if existing.state == ParticipationState.ACCEPTED:  # a Join sent again: answer again
                await _answer(session, existing, actor, organizer, ActivityType.ACCEPT)
            return existing
        try:
            check_open_for_joins(session, now=moment)
        except Conflict:
            refused = Participation(session_id=session.id, actor_id=actor.id, join_ap_id=doc.ap_id, message="")
            await _answer(session, refused, actor, organizer, ActivityType.REJECT, store=False)
            return None
        row, _ = await _participation_row(session, actor, join_ap_id=doc.ap_id, message=doc.message)
        row.join_ap_id = doc.ap_id
        await _seat_or_wait(session, row)
    return row


async def answer_request(row: Participation, by: Actor, *, accept: bool) -> Participation:
    """A facilitator answers a join of a session whose join mode is restricted."""
    session = await CoachingSession.get(id=row.session_id).select_related("circle")
    await circles.require_facilitator(await session.circle, by)
    async with in_transaction():
        if accept:
            if not await take_seat(session):
                raise Conflict("The session is full.")
            if not await Participation.filter(id=row.id, state=ParticipationState.PENDING).update(
                state=ParticipationState.ACCEPTED
            ):
                raise Conflict("This request was already answered.")
            await _after_seat(session, row)
        else:
            if not await Participation.filter(id=row.id, state=ParticipationState.PENDING).update(
                state=ParticipationState.REJECTED
            ):
                raise Conflict("This request was already answered.")
            await _tell(session, row, ActivityType.REJECT)
    await row.refresh_from_db()
    return row


async def leave_session(session: CoachingSession, member: Actor, *, now: datetime | None = None) -> None:
    """A member here cancels their RSVP: a Leave goes to the session's server, or the seat frees here."""
    row = await Participation.get_or_none(session_id=session.id, actor_id=member.id, state__in=_ACTIVE)
    if row is None:
        raise NotFound("You have not joined this session.")
    async with in_transaction():
        if session.is_local:
            await _free_seat(session, row)
        else:
            await Participation.filter(id=row.id).update(state=ParticipationState.LEFT)
            organizer = await Actor.get(id=session.organizer_id)
            leave_id = f"{member.ap_id}/leaves/{new_id()}"
            await publish(render_leave(leave_id, member, session, organizer), sender=member, to=[organizer], now=now)


async def receive_leave(actor: Actor, event_ap_id: str) -> bool:
    """Someone elsewhere cancels their RSVP to one of our sessions; True when they had one."""
    session = await CoachingSession.get_or_none(ap_id=event_ap_id, is_local=True)
    if session is None:
        return False
    row = await Participation.get_or_none(session_id=session.id, actor_id=actor.id, state__in=_ACTIVE)
    if row is None:
        return False
    async with in_transaction():
        await _free_seat(session, row)
    return True


async def receive_join_answer(organizer: Actor, join_ap_id: str | None, *, accepted: bool) -> bool:
    """The organiser elsewhere accepted or refused one of our members' Joins; True when it was one of ours."""
    if join_ap_id is None:
        return False
    row = await Participation.get_or_none(join_ap_id=join_ap_id).select_related("session", "actor")
    if row is None or not row.actor.is_local:
        return False
    if row.session.organizer_id != organizer.id:
        raise Forbidden("Only the session's organiser answers its joins.")
    state = ParticipationState.ACCEPTED if accepted else ParticipationState.REJECTED
    if await Participation.filter(id=row.id, state__in=_ACTIVE).exclude(state=state).update(state=state):
        await Notification.create(
            recipient_id=row.actor_id, kind=NotificationKind.SESSION, from_actor=organizer, session_id=row.session_id
        )
    return True


async def take_seat(session: CoachingSession) -> bool:
    """Claim one seat with a conditional UPDATE: True when one was free (no limit: always)."""
    query = CoachingSession.filter(id=session.id).filter(Q(capacity__isnull=True) | Q(accepted_count__lt=F("capacity")))
    return bool(await query.update(accepted_count=F("accepted_count") + 1))


async def participants(session: CoachingSession, *, state: ParticipationState) -> list[Participation]:
    return await Participation.filter(session_id=session.id, state=state).select_related("actor").order_by("id")


async def find_participation(session: CoachingSession, actor: Actor | None) -> Participation | None:
    if actor is None:
        return None
    return await Participation.get_or_none(session_id=session.id, actor_id=actor.id)


async def get_participation(session: CoachingSession, participation_id: int) -> Participation:
    row = await Participation.get_or_none(id=participation_id, session_id=session.id).select_related("actor")
    if row is None:
        raise NotFound("No such participant.")
    return row


async def _participation_row(
    session: CoachingSession, actor: Actor, *, join_ap_id: str | None, message: str
) -> tuple[Participation, bool]:
    """The actor's row for the session, and whether this is a new RSVP: a new row, or one reused after a
    Leave or a refusal (one row per pair). An active row is returned as it is."""
    row = await Participation.get_or_none(session_id=session.id, actor_id=actor.id)
    if row is None:
        row = await Participation.create(
            session_id=session.id,
            actor_id=actor.id,
            state=ParticipationState.PENDING,
            join_ap_id=join_ap_id,
            message=message[:2000],
        )
        return row, True
    if row.state in _ACTIVE:
        return row, False
    row.message = message[:2000]
    row.participant_confirmed_at = row.organizer_confirmed_at = None
    return row, True


async def _seat_or_wait(session: CoachingSession, row: Participation) -> None:
    if session.join_mode == JoinMode.RESTRICTED:
        row.state = ParticipationState.PENDING
        await row.save(update_fields=["state", "join_ap_id", "message", "updated_at"])
        await _notify_facilitators(session, row)
        return
    if await take_seat(session):
        row.state = ParticipationState.ACCEPTED
        await row.save(update_fields=["state", "join_ap_id", "message", "updated_at"])
        await _after_seat(session, row)
        return
    row.state = ParticipationState.WAITING
    await row.save(update_fields=["state", "join_ap_id", "message", "updated_at"])


async def _after_seat(session: CoachingSession, row: Participation) -> None:
    """A seat was given: the participant hears (Accept, or a notification), and the counts go out."""
    await _tell(session, row, ActivityType.ACCEPT)
    await session.refresh_from_db(fields=["accepted_count", "sequence"])
    await sessions.announce_update(session)


async def _free_seat(session: CoachingSession, row: Participation) -> None:
    was_accepted = row.state == ParticipationState.ACCEPTED
    if not await Participation.filter(id=row.id, state=row.state).update(state=ParticipationState.LEFT):
        return
    if not was_accepted:
        return
    await CoachingSession.filter(id=session.id, accepted_count__gt=0).update(accepted_count=F("accepted_count") - 1)
    await _promote_first_waiting(session)
    await session.refresh_from_db(fields=["accepted_count", "sequence"])
    await sessions.announce_update(session)


async def _promote_first_waiting(session: CoachingSession) -> None:
    """The first on the waiting list takes the freed seat and receives the Accept."""
    for waiting in await Participation.filter(session_id=session.id, state=ParticipationState.WAITING).order_by("id"):
        if not await take_seat(session):
            return
        if await Participation.filter(id=waiting.id, state=ParticipationState.WAITING).update(
            state=ParticipationState.ACCEPTED
        ):
            await _tell(session, waiting, ActivityType.ACCEPT)
            return
        await CoachingSession.filter(id=session.id).update(accepted_count=F("accepted_count") - 1)


async def _tell(session: CoachingSession, row: Participation, kind: ActivityType) -> None:
    participant = await Actor.get(id=row.actor_id)
    organizer = await Actor.get(id=session.organizer_id)
    if participant.is_local:
        await Notification.create(
            recipient=participant, kind=NotificationKind.SESSION, from_actor=organizer, session=session
        )
        return
    await _answer(session, row, participant, organizer, kind)


async def _answer(
    session: CoachingSession,
    row: Participation,
    participant: Actor,
    organizer: Actor,
    kind: ActivityType,
    *,
    store: bool = True,
) -> None:
    verb = "accepts" if kind == ActivityType.ACCEPT else "rejects"
    answer_id = f"{organizer.ap_id}/{verb}/joins/{new_id()}"
    if store:
        await Participation.filter(id=row.id).update(answer_ap_id=answer_id)
    await publish(
        render_join_answer(kind, answer_id, row, participant, session, organizer), sender=organizer, to=[participant]
    )


async def _notify_facilitators(session: CoachingSession, row: Participation) -> None:
    for facilitator in await session.facilitators.all():
        await Notification.create(
            recipient=facilitator, kind=NotificationKind.SESSION, from_actor_id=row.actor_id, session=session
        )
