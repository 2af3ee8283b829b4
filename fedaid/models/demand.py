"""Collective demands (revendications): what a collective asks of a target, its status history and the
collectives that co-sign it. Supporters are the votes of the demand's poll (`PollVote`)."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from fedaid.models.actor import Actor
    from fedaid.models.post import Post


class DemandStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    DELIVERED = "delivered"
    ANSWERED = "answered"
    WON = "won"
    LOST = "lost"
    WITHDRAWN = "withdrawn"


class Demand(Model):
    """A demand of a collective (a local Group, or a remote one whose Question we received).

    Published demands have a `post` (the Question everyone sees) with a `Poll`, drafts have none."""

    id = fields.BigIntField(primary_key=True)
    ap_id = fields.CharField(max_length=512, null=True, unique=True)
    collective: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="demands", on_delete=fields.CASCADE
    )
    collective_id: int
    author: fields.ForeignKeyNullableRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="demands_drafted", null=True, on_delete=fields.SET_NULL
    )
    author_id: int | None
    post: fields.OneToOneNullableRelation[Post] = fields.OneToOneField(
        "models.Post", related_name="demand", null=True, on_delete=fields.SET_NULL
    )
    post_id: int | None
    is_local = fields.BooleanField(default=True)
    title = fields.CharField(max_length=200)
    text = fields.TextField(default="")
    target = fields.CharField(max_length=300, default="")
    claims: fields.JSONField[list[Any]] = fields.JSONField(default=list)
    deadline = fields.DatetimeField(null=True)
    language = fields.CharField(max_length=16, default="fr")
    status = fields.CharEnumField(DemandStatus, max_length=16, default=DemandStatus.DRAFT, db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(null=True)  # the last change of what the Question says besides counts
    published_at = fields.DatetimeField(null=True)
    needs_update = fields.BooleanField(default=False)  # an Update(Question) is due
    update_sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "demand"
        indexes = (("needs_update", "update_sent_at"),)


class DemandStatusChange(Model):
    """When a demand reached a status: the dated history shown on its page and sent in its Question."""

    id = fields.BigIntField(primary_key=True)
    demand: fields.ForeignKeyRelation[Demand] = fields.ForeignKeyField(
        "models.Demand", related_name="history", on_delete=fields.CASCADE
    )
    demand_id: int
    status = fields.CharEnumField(DemandStatus, max_length=16)
    changed_at = fields.DatetimeField()

    class Meta:
        table = "demand_status_change"
        unique_together = (("demand", "status"),)


class DemandCosigner(Model):
    """A collective that co-signs a demand: by its signed endorsement (our demands), or as listed by
    the server of the demand (remote demands)."""

    id = fields.BigIntField(primary_key=True)
    demand: fields.ForeignKeyRelation[Demand] = fields.ForeignKeyField(
        "models.Demand", related_name="cosigners", on_delete=fields.CASCADE
    )
    demand_id: int
    group_ap_id = fields.CharField(max_length=512)
    name = fields.CharField(max_length=255, default="")
    url = fields.CharField(max_length=512, null=True)
    endorsement_ap_id = fields.CharField(max_length=512, null=True, unique=True)
    signed_at = fields.DatetimeField()

    class Meta:
        table = "demand_cosigner"
        unique_together = (("demand", "group_ap_id"),)
