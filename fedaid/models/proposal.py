"""An offer or a request for help: the mutual-aid extension of a Post (FEP-0837 Proposal)."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from fedaid.models.post import Post


class ProposalPurpose(StrEnum):
    OFFER = "offer"
    REQUEST = "request"


class ProposalStatus(StrEnum):
    OPEN = "open"
    AGREED = "agreed"
    FULFILLED = "fulfilled"
    CLOSED = "closed"
    EXPIRED = "expired"


class Proposal(Model):
    id = fields.BigIntField(primary_key=True)
    post: fields.OneToOneRelation[Post] = fields.OneToOneField(
        "models.Post", related_name="proposal", on_delete=fields.CASCADE
    )
    post_id: int
    purpose = fields.CharEnumField(ProposalPurpose, max_length=16, db_index=True)
    title = fields.CharField(max_length=200)
    category = fields.CharField(max_length=64, default="", db_index=True)
    tags: fields.JSONField[list[Any]] = fields.JSONField(default=list)
    hours = fields.DecimalField(max_digits=8, decimal_places=2, default=1)
    available_hours = fields.DecimalField(max_digits=8, decimal_places=2, default=1)
    place_name = fields.CharField(max_length=200, default="")
    latitude = fields.FloatField(null=True)
    longitude = fields.FloatField(null=True)
    radius_km = fields.FloatField(null=True)
    remote_ok = fields.BooleanField(default=False)
    starts_at = fields.DatetimeField(null=True)
    ends_at = fields.DatetimeField(null=True)
    expires_at = fields.DatetimeField(null=True, db_index=True)
    status = fields.CharEnumField(ProposalStatus, max_length=16, default=ProposalStatus.OPEN, db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "proposal"
