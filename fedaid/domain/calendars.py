"""What the calendar feeds list: a circle's sessions, and a member's sessions behind a secret link.

Calendar apps cannot sign in, so a member's feed sits behind a random token the member can renew
(the old link stops working). Only the token's SHA-256 is stored. No HTTP here.
"""

from __future__ import annotations

import hashlib
import secrets

from tortoise.transactions import in_transaction

from fedaid.errors import NotFound
from fedaid.models import Actor, CalendarToken, Circle, CoachingSession, ParticipationState

_LISTED = (ParticipationState.ACCEPTED, ParticipationState.WAITING, ParticipationState.PENDING)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def renew_calendar_token(member: Actor) -> str:
    """A new secret for the member's feed; the previous link stops working. Shown once."""
    token = secrets.token_urlsafe(24)
    async with in_transaction():
        await CalendarToken.filter(actor_id=member.id).delete()
        await CalendarToken.create(actor_id=member.id, token_hash=_digest(token))
    return token


async def has_calendar_token(member: Actor) -> bool:
    return await CalendarToken.filter(actor_id=member.id).exists()


async def member_of_token(token: str) -> Actor:
    row = await CalendarToken.get_or_none(token_hash=_digest(token)).select_related("actor")
    if row is None or row.actor.is_deleted:
        raise NotFound("This calendar link is unknown or was renewed.")
    return row.actor


async def circle_sessions(circle: Circle) -> list[CoachingSession]:
    return await CoachingSession.filter(circle_id=circle.id).order_by("starts_at")


async def member_sessions(member: Actor) -> list[CoachingSession]:
    """Sessions the member joined or waits for (here and elsewhere), and those they facilitate."""
    joined = await CoachingSession.filter(
        participations__actor_id=member.id, participations__state__in=_LISTED
    ).order_by("starts_at")
    led = await CoachingSession.filter(facilitators__id=member.id).order_by("starts_at")
    unique = {session.id: session for session in [*joined, *led]}
    return sorted(unique.values(), key=lambda session: session.starts_at)
