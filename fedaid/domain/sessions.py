"""Coaching sessions of our circles: scheduling one or a series, moving, cancelling, their pictures and
documents (a flyer), and who hears of it.

Each change writes its `Delivery` rows in the same transaction: the circle's followers and the
participants elsewhere get `Create(Event)`, `Update(Event)` or `Delete`; members here get a
notification. Seats and RSVPs live in `domain/participation.py`. No HTTP here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from tortoise.transactions import in_transaction

from fedaid.activitypub.events import (
    render_create_event,
    render_delete_event,
    render_event,
    render_update_event,
)
from fedaid.clock import utcnow
from fedaid.domain import circles
from fedaid.domain import media as attachments
from fedaid.domain.publish import followers_of, publish
from fedaid.domain.session_reminders import reminders_again
from fedaid.errors import Conflict, InvalidInput, NotFound
from fedaid.models import (
    Actor,
    Circle,
    CoachingSession,
    Frequency,
    JoinMode,
    MediaAttachment,
    Notification,
    NotificationKind,
    Participation,
    ParticipationState,
    SessionSeries,
    SessionStatus,
)
from fedaid.models.ids import new_id

MAX_SERIES_SESSIONS = 60
MAX_SESSION_LENGTH = timedelta(hours=12)
MAX_CAPACITY = 10_000  # seats, as the error message says
_STEP = {
    Frequency.WEEKLY: relativedelta(weeks=1),
    Frequency.FORTNIGHTLY: relativedelta(weeks=2),
    Frequency.MONTHLY: relativedelta(months=1),
}


@dataclass(frozen=True)
class SessionTerms:
    title: str
    starts_at: datetime
    ends_at: datetime
    description: str = ""  # sanitised HTML or plain text made HTML by the caller
    category: str = ""
    place_name: str = ""
    place_address: str = ""
    online_url: str = ""
    capacity: int | None = None
    join_mode: JoinMode = JoinMode.FREE


def session_hours(session: CoachingSession) -> Decimal:
    """The session's length in hours, to the hundredth: what each confirmed participant receives."""
    seconds = Decimal(int((session.ends_at - session.starts_at).total_seconds()))
    return (seconds / Decimal(3600)).quantize(Decimal("0.01"))


def check_terms(terms: SessionTerms, *, now: datetime) -> None:
    if not terms.title.strip():
        raise InvalidInput("A session needs a title.")
    if terms.ends_at <= terms.starts_at:
        raise InvalidInput("A session must end after it starts.")
    if terms.ends_at - terms.starts_at > MAX_SESSION_LENGTH:
        raise InvalidInput("A session lasts at most 12 hours.")
    if terms.starts_at < now:
        raise InvalidInput("A session cannot start in the past.")
    _check_capacity(terms.capacity)
    if terms.online_url and not terms.online_url.startswith(("https://", "http://")):
        raise InvalidInput("The online link must start with https://.")


async def schedule_session(
    circle: Circle,
    by: Actor,
    terms: SessionTerms,
    *,
    media: Sequence[MediaAttachment] = (),
    now: datetime | None = None,
) -> CoachingSession:
    """A facilitator schedules one session; the circle's followers receive its Create(Event). `media` are
    uploads checked by `media.check_attachable`."""
    moment = now or utcnow()
    await circles.require_facilitator(circle, by)
    check_terms(terms, now=moment)
    attachments.check_count(len(media))
    async with in_transaction():
        session = await _insert(circle, terms, series=None)
        await attachments.attach(session, media, is_new=True)
        await _announce(session, circle, "create", now=moment)
    return session


async def schedule_series(
    circle: Circle,
    by: Actor,
    terms: SessionTerms,
    *,
    frequency: Frequency,
    until: datetime,
    media: Sequence[MediaAttachment] = (),
    now: datetime | None = None,
) -> SessionSeries:
    """Sessions every week, fortnight or month from `terms.starts_at` to `until`, each created now, each
    showing `media` (its own rows, naming the same files)."""
    moment = now or utcnow()
    await circles.require_facilitator(circle, by)
    check_terms(terms, now=moment)
    attachments.check_count(len(media))
    if until < terms.starts_at:
        raise InvalidInput("A series must end after its first session starts.")
    starts = series_starts(terms.starts_at, frequency, until, circle.timezone)
    if len(starts) > MAX_SERIES_SESSIONS:
        raise InvalidInput(f"A series holds at most {MAX_SERIES_SESSIONS} sessions; choose an earlier end.")
    length = terms.ends_at - terms.starts_at
    async with in_transaction():
        series = await SessionSeries.create(
            circle=circle, frequency=frequency, first_starts_at=terms.starts_at, until=until
        )
        for number, start in enumerate(starts):
            one = SessionTerms(**{**terms.__dict__, "starts_at": start, "ends_at": start + length})
            session = await _insert(circle, one, series=series)
            await attachments.attach(session, media if number == 0 else await attachments.copies_of(media), is_new=True)
            await _announce(session, circle, "create", now=moment)
    return series


def series_starts(first: datetime, frequency: Frequency, until: datetime, timezone: str) -> list[datetime]:
    """Start times keeping the same wall-clock time in the circle's time zone (across summer time)."""
    zone = ZoneInfo(timezone)
    local_first = first.astimezone(zone)
    starts, number = [], 0
    while True:
        local = local_first + _STEP[frequency] * number
        start = local.replace(tzinfo=None).replace(tzinfo=zone).astimezone(first.tzinfo)
        if start > until or len(starts) > MAX_SERIES_SESSIONS:
            return starts
        starts.append(start)
        number += 1


async def move_session(
    session: CoachingSession, by: Actor, *, starts_at: datetime, ends_at: datetime, now: datetime | None = None
) -> CoachingSession:
    """Another date or time: an Update(Event) goes out and participants here are told."""
    moment = now or utcnow()
    circle = await _circle_of(session)
    await circles.require_facilitator(circle, by)
    check_terms(SessionTerms(title=session.title, starts_at=starts_at, ends_at=ends_at), now=moment)
    async with in_transaction():
        session.starts_at, session.ends_at, session.sequence = starts_at, ends_at, session.sequence + 1
        resets = reminders_again()
        for name, value in resets.items():
            setattr(session, name, value)
        await session.save(update_fields=["starts_at", "ends_at", "sequence", *resets, "updated_at"])
        await _announce(session, circle, "update", now=moment)
        await _tell_participants(session)
    return session


async def change_media(session: CoachingSession, by: Actor, media: Sequence[MediaAttachment]) -> CoachingSession:
    """Other pictures or documents (those kept, then new uploads checked by `media.check_attachable`): an
    Update(Event) goes out; files no longer shown are pruned later."""
    await require_facilitator_of(session, by)
    attachments.check_count(len(media))
    async with in_transaction():
        await attachments.attach(session, media)
        await announce_update(session)
    return session


async def require_facilitator_of(session: CoachingSession, by: Actor) -> Circle:
    """The session's circle, if `by` facilitates it; sessions published elsewhere are read-only here."""
    circle = await _circle_of(session)
    await circles.require_facilitator(circle, by)
    return circle


def _check_capacity(capacity: int | None) -> None:
    """Between one seat and MAX_CAPACITY (the column is a 32-bit int; a room of that size is already unreal)."""
    if capacity is not None and capacity < 1:
        raise InvalidInput("A session needs at least one seat, or no limit.")
    if capacity is not None and capacity > MAX_CAPACITY:
        raise InvalidInput("A session holds at most 10,000 people; leave it empty for no limit.")


async def change_capacity(session: CoachingSession, by: Actor, capacity: int | None) -> CoachingSession:
    """More or fewer seats; never fewer than the participants already accepted."""
    circle = await _circle_of(session)
    await circles.require_facilitator(circle, by)
    _check_capacity(capacity)
    async with in_transaction():
        query = CoachingSession.filter(id=session.id)
        if capacity is not None:
            query = query.filter(accepted_count__lte=capacity)
        if not await query.update(capacity=capacity, sequence=session.sequence + 1):
            raise Conflict("More participants are already accepted than that many seats.")
        await session.refresh_from_db()
        await _announce(session, circle, "update", now=utcnow())
    return session


async def cancel_session(session: CoachingSession, by: Actor, *, now: datetime | None = None) -> CoachingSession:
    """Called off: a Delete goes out (Mobilizon's way) and participants here are told."""
    circle = await _circle_of(session)
    await circles.require_facilitator(circle, by)
    async with in_transaction():
        changed = (
            await CoachingSession.filter(id=session.id)
            .exclude(status=SessionStatus.CANCELLED)
            .update(status=SessionStatus.CANCELLED, sequence=session.sequence + 1)
        )
        if not changed:
            raise Conflict("This session is already cancelled.")
        await session.refresh_from_db()
        await _announce(session, circle, "delete", now=now or utcnow())
        await _tell_participants(session)
    return session


async def get_session(session_id: int) -> CoachingSession:
    session = await CoachingSession.get_or_none(id=session_id).select_related("organizer", "circle__actor")
    if session is None:
        raise NotFound("No such session.")
    return session


async def find_session(ap_id: str) -> CoachingSession | None:
    return await CoachingSession.get_or_none(ap_id=ap_id).select_related("organizer")


async def upcoming_sessions(circle: Circle, *, now: datetime | None = None) -> list[CoachingSession]:
    return await CoachingSession.filter(circle_id=circle.id, ends_at__gte=now or utcnow()).order_by("starts_at")


async def sessions_of_circle(circle: Circle) -> list[CoachingSession]:
    return await CoachingSession.filter(circle_id=circle.id).order_by("starts_at")


async def remote_sessions(*, now: datetime | None = None) -> list[CoachingSession]:
    """Sessions published elsewhere (Mobilizon, Gancio, other fedaid circles), read-only here, soonest first.

    Sorted here, not in SQL: ordered by starts_at, SQLite walked that index from the first session ever held
    instead of finding those not over yet by their end (tests/web/test_site_page_reads.py)."""
    upcoming = await CoachingSession.filter(is_local=False, ends_at__gte=now or utcnow()).select_related("organizer")
    return sorted(upcoming, key=lambda session: (session.starts_at, session.id))


async def participant_count(session: CoachingSession) -> int:
    if not session.is_local and session.remote_participant_count is not None:
        return session.remote_participant_count
    return session.accepted_count


async def event_document(session: CoachingSession) -> dict:
    """The session's Event as served at its id and sent in activities."""
    organizer = await Actor.get(id=session.organizer_id)
    count = await participant_count(session)
    return render_event(session, organizer, participant_count=count, media=await attachments.media_of(session))


async def announce_update(session: CoachingSession) -> None:
    """Seats changed: an Update(Event) with the new counts (call inside the change's transaction)."""
    circle = await _circle_of(session)
    await CoachingSession.filter(id=session.id).update(sequence=session.sequence + 1)
    session.sequence += 1
    await _announce(session, circle, "update", now=utcnow())


async def _insert(circle: Circle, terms: SessionTerms, *, series: SessionSeries | None) -> CoachingSession:
    session_id = new_id()
    ap_id = f"{circle.actor.ap_id}/events/{session_id}"
    session = await CoachingSession.create(
        id=session_id,
        ap_id=ap_id,
        url=ap_id,
        is_local=True,
        circle=circle,
        organizer_id=circle.actor_id,
        series=series,
        title=terms.title.strip()[:200],
        description=terms.description,
        category=terms.category,
        starts_at=terms.starts_at,
        ends_at=terms.ends_at,
        timezone=circle.timezone,
        place_name=terms.place_name.strip()[:200],
        place_address=terms.place_address.strip()[:400],
        online_url=terms.online_url.strip()[:512],
        capacity=terms.capacity,
        join_mode=terms.join_mode,
    )
    await session.facilitators.add(*await circles.facilitators_of(circle))
    return session


async def _announce(session: CoachingSession, circle: Circle, change: str, *, now: datetime) -> None:
    organizer = circle.actor
    recipients = await followers_of(organizer)
    recipients += await Actor.filter(
        participations__session_id=session.id, participations__state__not=ParticipationState.LEFT, is_local=False
    )
    if change == "delete":
        activity = render_delete_event(session, organizer)
    else:
        media = await attachments.media_of(session)
        event = render_event(session, organizer, participant_count=session.accepted_count, media=media)
        activity = render_create_event(event) if change == "create" else render_update_event(event, session.sequence)
    await publish(activity, sender=organizer, to=recipients, now=now)


async def _tell_participants(session: CoachingSession) -> None:
    """Members here who took part (or wait) hear of a move or a cancellation."""
    rows = await Participation.filter(
        session_id=session.id,
        state__in=(ParticipationState.ACCEPTED, ParticipationState.WAITING, ParticipationState.PENDING),
        actor__is_local=True,
    )
    for row in rows:
        await Notification.create(
            recipient_id=row.actor_id,
            kind=NotificationKind.SESSION,
            from_actor_id=session.organizer_id,
            session=session,
        )


async def _circle_of(session: CoachingSession) -> Circle:
    if not session.is_local or session.circle_id is None:
        raise Conflict("Sessions published elsewhere are read-only here.")
    return await Circle.get(id=session.circle_id).select_related("actor")
