"""Agreements between a provider and a receiver of help on a proposal (FEP-0837 Agreement)."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from fedaid.models.actor import Actor
    from fedaid.models.post import Post
    from fedaid.models.proposal import Proposal


class AgreementState(StrEnum):
    OFFERED = "offered"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"


class Agreement(Model):
    """Who helps whom, for how many hours. `ap_id` is minted by the server of the proposal author, null until then."""

    id = fields.BigIntField(primary_key=True)
    ap_id = fields.CharField(max_length=512, unique=True, null=True)
    proposal: fields.ForeignKeyRelation[Proposal] = fields.ForeignKeyField(
        "models.Proposal", related_name="agreements", on_delete=fields.CASCADE
    )
    proposal_id: int
    response: fields.ForeignKeyNullableRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="response_agreements", null=True, on_delete=fields.SET_NULL
    )
    response_id: int | None
    provider: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="agreements_given", on_delete=fields.CASCADE
    )
    provider_id: int
    receiver: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="agreements_received", on_delete=fields.CASCADE
    )
    receiver_id: int
    hours = fields.DecimalField(max_digits=8, decimal_places=2)
    state = fields.CharEnumField(AgreementState, max_length=16, default=AgreementState.OFFERED, db_index=True)
    offer_activity_id = fields.CharField(max_length=512, unique=True, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "agreement"
