"""Follows between actors; a collective following another collective is an alliance."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from fedaid.models.actor import Actor


class FollowState(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"


class Follow(Model):
    id = fields.IntField(primary_key=True)
    follower: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="following_rows", on_delete=fields.CASCADE
    )
    follower_id: int
    target: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="follower_rows", on_delete=fields.CASCADE
    )
    target_id: int
    state = fields.CharEnumField(FollowState, max_length=16, default=FollowState.PENDING)
    ap_id = fields.CharField(max_length=512, null=True, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    accepted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "follow"
        unique_together = (("follower", "target"),)
