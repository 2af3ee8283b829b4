"""Alerts: a member's standing wish to hear of new proposals in a category, with a tag or near a place."""

from __future__ import annotations

from fedaid.errors import InvalidInput
from fedaid.models import Actor, AlertSubscription, ProposalPurpose

MAX_ALERTS = 20


async def list_alerts(actor: Actor) -> list[AlertSubscription]:
    return await AlertSubscription.filter(actor_id=actor.id).order_by("id")


async def add_alert(actor: Actor, *, purpose: str, category: str, tag: str, place_name: str) -> AlertSubscription:
    """A new alert; at least one criterion, at most `MAX_ALERTS` per member."""
    if not (category or tag or place_name):
        raise InvalidInput("Choose a category, a tag or a place.")
    if await AlertSubscription.filter(actor_id=actor.id).count() >= MAX_ALERTS:
        raise InvalidInput("You have too many alerts; remove one first.")
    return await AlertSubscription.create(actor=actor, purpose=ProposalPurpose(purpose) if purpose else None,
                                          category=category, tag=tag, place_name=place_name)


async def remove_alert(actor: Actor, alert_id: int) -> bool:
    """Remove one of the member's alerts; False when they have none with that id."""
    return await AlertSubscription.filter(actor_id=actor.id, id=alert_id).delete() > 0
