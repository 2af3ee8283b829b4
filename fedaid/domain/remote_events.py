"""Sessions published elsewhere (Mobilizon, Gancio, other fedaid circles), kept read-only so members see them.

An Event is kept when someone here follows its organiser, or a member here joined it; a moved or
cancelled one is updated in place and the members here who joined it are told. Its pictures and documents (a
Mobilizon banner, a flyer) are kept as the attachments of a post are, and fetched later. No HTTP here.
"""

from __future__ import annotations

from tortoise.transactions import in_transaction

from fedaid.activitypub.attachments import parse_event_attachments
from fedaid.activitypub.parse import same_origin
from fedaid.activitypub.parse.events import EventDoc
from fedaid.domain import remote_media
from fedaid.domain.session_reminders import reminders_again
from fedaid.errors import InvalidActivity
from fedaid.models import (
    Actor,
    CoachingSession,
    Follow,
    FollowState,
    JoinMode,
    Notification,
    NotificationKind,
    Participation,
    ParticipationState,
    SessionStatus,
)
from fedaid.models.ids import new_id

_TOLD = (ParticipationState.ACCEPTED, ParticipationState.WAITING, ParticipationState.PENDING)


async def receive_event(doc: EventDoc, organizer: Actor) -> CoachingSession | None:
    """A Create or Update of an Event: stored or updated when it concerns someone here, else None.

    The sender is the Event's `attributedTo`, or its `actor`: Mobilizon attributes a group's event to the
    group and sends it from the member who organises it (Mobilizon's `Converter.Event`, `actor` field).
    """
    if doc.attributed_to is not None and organizer.ap_id not in (doc.attributed_to, doc.organizer):
        raise InvalidActivity("the event is attributed to another actor than the one who sent it")
    if doc.attributed_to is not None and not same_origin(doc.attributed_to, organizer.ap_id):
        raise InvalidActivity("the event is attributed to an actor on another server than its organiser")
    if not same_origin(doc.ap_id, organizer.ap_id):
        raise InvalidActivity("the event's id is not on its organiser's server")
    existing = await CoachingSession.get_or_none(ap_id=doc.ap_id)
    if existing is not None:
        if existing.is_local or existing.organizer_id != organizer.id:
            raise InvalidActivity("that event belongs to another organiser")
        return await _update(existing, doc)
    if not await _is_followed_here(organizer):
        return None
    async with in_transaction():
        session = await CoachingSession.create(id=new_id(), ap_id=doc.ap_id, organizer=organizer, **_values(doc))
        await remote_media.record_attachments(session, parse_event_attachments(doc.raw))
    return session


async def receive_event_delete(ap_id: str, organizer: Actor) -> bool:
    """The organiser deleted (called off) an event we keep: it stays, cancelled, and members here are told."""
    session = await CoachingSession.get_or_none(ap_id=ap_id, is_local=False, organizer_id=organizer.id)
    if session is None or session.is_cancelled:
        return False
    async with in_transaction():
        await CoachingSession.filter(id=session.id).update(
            status=SessionStatus.CANCELLED, sequence=session.sequence + 1
        )
        await _tell_members(session)
    return True


async def _update(session: CoachingSession, doc: EventDoc) -> CoachingSession:
    values = _values(doc)
    moved = (session.starts_at, session.ends_at) != (doc.starts_at, doc.ends_at)
    cancelled = values["status"] == SessionStatus.CANCELLED and not session.is_cancelled
    async with in_transaction():
        resets = reminders_again() if moved else {}
        await CoachingSession.filter(id=session.id).update(**values, **resets, sequence=session.sequence + 1)
        await remote_media.replace_attachments(session, parse_event_attachments(doc.raw))
        if moved or cancelled:
            await _tell_members(session)
    await session.refresh_from_db()
    return session


def _values(doc: EventDoc) -> dict:
    status = doc.status if doc.status in SessionStatus.__members__.values() else SessionStatus.CONFIRMED
    return {
        "url": doc.url,
        "is_local": False,
        "title": doc.name or doc.ap_id[:200],
        "description": doc.content,
        "category": doc.category,
        "starts_at": doc.starts_at,
        "ends_at": doc.ends_at,
        "timezone": doc.timezone,
        "place_name": doc.place_name,
        "place_address": doc.place_address,
        "online_url": doc.online_url,
        "capacity": doc.capacity or None,
        "remote_participant_count": doc.participant_count,
        "join_mode": JoinMode(doc.join_mode),
        "status": SessionStatus(status),
    }


async def _is_followed_here(organizer: Actor) -> bool:
    return await Follow.filter(target=organizer, follower__is_local=True, state=FollowState.ACCEPTED).exists()


async def _tell_members(session: CoachingSession) -> None:
    rows = await Participation.filter(session_id=session.id, state__in=_TOLD, actor__is_local=True)
    for row in rows:
        await Notification.create(
            recipient_id=row.actor_id,
            kind=NotificationKind.SESSION,
            from_actor_id=session.organizer_id,
            session=session,
        )
