"""A member's standing wish to hear about new proposals in a category, with a tag, or near a place."""

from tortoise import fields
from tortoise.models import Model

from fedaid.models.proposal import ProposalPurpose


class AlertSubscription(Model):
    """Every criterion set must hold: category, tag, purpose, and distance when a place is given."""

    id = fields.IntField(primary_key=True)
    actor = fields.ForeignKeyField("models.Actor", related_name="alert_subscriptions", on_delete=fields.CASCADE)
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
