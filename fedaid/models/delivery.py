"""The outbound queue: one row per activity and distinct inbox, written with the change that causes it."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from fedaid.models.actor import Actor


class DeliveryState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    GIVEN_UP = "given_up"
    GONE = "gone"


class Delivery(Model):
    """Send `payload` (exact bytes, signed by `sender`) to `inbox`."""

    id = fields.BigIntField(primary_key=True)
    activity_id = fields.CharField(max_length=512)
    payload = fields.TextField()
    sender: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="deliveries", on_delete=fields.CASCADE
    )
    sender_id: int
    inbox = fields.CharField(max_length=512)
    host = fields.CharField(max_length=255, db_index=True)
    state = fields.CharEnumField(DeliveryState, max_length=16, default=DeliveryState.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    claimed_until = fields.DatetimeField(null=True)
    last_status = fields.IntField(null=True)
    last_error = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    delivered_at = fields.DatetimeField(null=True)

    class Meta:
        table = "delivery"
        unique_together = (("activity_id", "inbox"),)
        indexes = (("state", "next_attempt_at"),)


class DomainHealth(Model):
    """Delivery failures per remote host: unavailable after failures on 7 distinct days (as Mastodon)."""

    id = fields.IntField(primary_key=True)
    host = fields.CharField(max_length=255, unique=True)
    failure_days: fields.JSONField[list[Any]] = fields.JSONField(default=list)
    is_unavailable = fields.BooleanField(default=False)
    last_error = fields.TextField(default="")
    last_failure_at = fields.DatetimeField(null=True)
    last_success_at = fields.DatetimeField(null=True)

    class Meta:
        table = "domain_health"
