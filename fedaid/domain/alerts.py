"""Alerts: a member's standing wish to hear of new proposals by purpose, category, tag or place.

`matching.alert_matches` decides which new proposals an alert concerns; this module keeps the alerts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from fedaid.errors import InvalidInput
from fedaid.models import Actor, AlertSubscription, ProposalPurpose

MAX_ALERTS = 20
MAX_CATEGORY = 64
MAX_TAG = 100
MAX_PLACE_NAME = 200


@dataclass(frozen=True)
class AlertCriteria:
    """Every criterion set must hold; a place is a name, or coordinates with an optional radius."""

    purpose: ProposalPurpose | None = None
    category: str = ""
    tag: str = ""
    place_name: str = ""
    latitude: float | None = None
    longitude: float | None = None
    radius_km: float | None = None

    def checked(self) -> AlertCriteria:
        """The criteria trimmed to their column sizes, the tag without `#`; InvalidInput when unusable."""
        if (self.latitude is None) != (self.longitude is None):
            raise InvalidInput("Give both latitude and longitude, or neither.")
        criteria = AlertCriteria(
            self.purpose,
            self.category.strip()[:MAX_CATEGORY],
            self.tag.strip().lstrip("#").lower()[:MAX_TAG],
            self.place_name.strip()[:MAX_PLACE_NAME],
            self.latitude,
            self.longitude,
            self.radius_km,
        )
        if not (
            criteria.purpose
            or criteria.category
            or criteria.tag
            or criteria.place_name
            or criteria.latitude is not None
        ):
            raise InvalidInput("Choose a category, a tag or a place.")
        return criteria


async def list_alerts(actor: Actor) -> list[AlertSubscription]:
    return await AlertSubscription.filter(actor_id=actor.id).order_by("id")


async def add_alert(actor: Actor, criteria: AlertCriteria) -> AlertSubscription:
    """A new alert with at least one criterion; at most `MAX_ALERTS` per member."""
    criteria = criteria.checked()
    if await AlertSubscription.filter(actor_id=actor.id).count() >= MAX_ALERTS:
        raise InvalidInput("You have too many alerts; remove one first.")
    return await AlertSubscription.create(actor_id=actor.id, **asdict(criteria))


async def remove_alert(actor: Actor, alert_id: int) -> bool:
    """Remove one of the member's alerts; False when they have none with that id."""
    return await AlertSubscription.filter(actor_id=actor.id, id=alert_id).delete() > 0
