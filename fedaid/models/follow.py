"""Follows between actors; a collective following another collective is an alliance."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class FollowState(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"


class Follow(Model):
    id = fields.IntField(primary_key=True)
    follower = fields.ForeignKeyField("models.Actor", related_name="following_rows", on_delete=fields.CASCADE)
    target = fields.ForeignKeyField("models.Actor", related_name="follower_rows", on_delete=fields.CASCADE)
    state = fields.CharEnumField(FollowState, max_length=16, default=FollowState.PENDING)
    ap_id = fields.CharField(max_length=512, null=True, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    accepted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "follow"
        unique_together = (("follower", "target"),)
