"""Where a member stopped reading their home timeline and notifications, shared by all their apps. No HTTP."""

from __future__ import annotations

from collections.abc import Iterable

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from fedaid.errors import InvalidInput
from fedaid.models import Actor, Marker, MarkerTimeline, Notification

MAX_ID_LENGTH = 32


async def get_markers(actor: Actor, timelines: Iterable[str] = ()) -> list[Marker]:
    """The member's markers, for the timelines named (every one when none is); unknown names are ignored."""
    wanted = [MarkerTimeline(name) for name in timelines if name in set(MarkerTimeline)]
    query = Marker.filter(actor_id=actor.id)
    if wanted:
        query = query.filter(timeline__in=wanted)
    return list(await query.order_by("timeline"))


async def save_marker(actor: Actor, timeline: str, last_read_id: str) -> Marker:
    """Move one marker (counting the change in `version`), creating it the first time."""
    if timeline not in set(MarkerTimeline):
        raise InvalidInput("A marker is for the home timeline or the notifications.")
    last_read_id = str(last_read_id).strip()
    if not last_read_id or len(last_read_id) > MAX_ID_LENGTH:
        raise InvalidInput("last_read_id must be the id of a status or a notification.")
    kind = MarkerTimeline(timeline)
    if not await Marker.filter(actor_id=actor.id, timeline=kind).update(
        last_read_id=last_read_id, version=F("version") + 1
    ):
        try:
            await Marker.create(actor=actor, timeline=kind, last_read_id=last_read_id)
        except IntegrityError:  # another app of the same member saved it at the same moment
            await Marker.filter(actor_id=actor.id, timeline=kind).update(
                last_read_id=last_read_id, version=F("version") + 1
            )
    return await Marker.get(actor_id=actor.id, timeline=kind)


async def unread_notifications(actor: Actor, *, cap: int = 1000) -> int:
    """How many notifications came after the notifications marker (Mastodon caps the count too)."""
    marker = await Marker.get_or_none(actor_id=actor.id, timeline=MarkerTimeline.NOTIFICATIONS)
    query = Notification.filter(recipient_id=actor.id)
    if marker is not None and marker.last_read_id.isdigit():
        query = query.filter(id__gt=int(marker.last_read_id))
    return len(await query.limit(cap).values_list("id", flat=True))
