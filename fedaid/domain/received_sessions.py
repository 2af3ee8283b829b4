"""Coaching sessions from elsewhere, in Mobilizon's RSVP flow: Join, Leave and Arrive (a confirmed attendance)."""

from __future__ import annotations

from fedaid.activitypub.parse.inbound import Arrived, FollowRef, Joined, Left
from fedaid.domain import attendance, follows, participation
from fedaid.domain.actors import find_local_actor
from fedaid.domain.answers import tolerant
from fedaid.domain.inbound import Incoming


async def receive_join(incoming: Incoming, joined: Joined) -> None:
    """A Join of one of our sessions, or of a circle (a Group: the same as a Follow)."""
    join, actor = joined.join, incoming.actor
    circle = await find_local_actor(join.object_ap_id)
    if circle is not None and circle.is_group:
        kind = await incoming.policies.kind_for(actor.domain)
        await follows.receive_follow(
            actor, circle, join.ap_id, federation_mode=incoming.federation_mode, domain_policy=kind
        )
        return
    await tolerant(participation.receive_join(actor, join), join.ap_id)


async def receive_leave(incoming: Incoming, left: Left) -> None:
    """A Leave of one of our sessions (the seat frees), or of a circle (the membership ends)."""
    actor = incoming.actor
    circle = await find_local_actor(left.target_ap_id)
    if circle is not None and circle.is_group:
        await follows.receive_undo_follow(actor, FollowRef(None, actor.ap_id, circle.ap_id))
        return
    await participation.receive_leave(actor, left.target_ap_id or "")


async def receive_arrive(incoming: Incoming, arrived: Arrived) -> None:
    """A confirmed attendance of a group session, from the participant or from the session's organiser."""
    step = attendance.receive_attendance(incoming.actor, arrived.participant_ap_id, arrived.event_ap_id)
    await tolerant(step, arrived.event_ap_id or "")
