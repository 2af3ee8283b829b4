"""A member's standing wish to hear about new proposals in a category, with a tag, or near a place."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from fedaid.models.proposal import ProposalPurpose

if TYPE_CHECKING:
    from fedaid.models.actor import Actor


class AlertSubscription(Model):
    """Every criterion set must hold: category, tag, purpose, and distance when a place is given."""

    id = fields.IntField(primary_key=True)
    actor: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="alert_subscriptions", on_delete=fields.CASCADE
    )
    actor_id: int
    purpose = fields.CharEnumField(ProposalPurpose, max_length=16, null=True)
    category = fields.CharField(max_length=64, default="", db_index=True)
    tag = fields.CharField(max_length=100, default="", db_index=True)
    place_name = fields.CharField(max_length=200, default="")
    latitude = fields.FloatField(null=True)
    longitude = fields.FloatField(null=True)
    radius_km = fields.FloatField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "alert_subscription"
