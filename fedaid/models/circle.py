"""Coaching circles: a Group actor of kind `circle` with its timezone, topics, openness and facilitators."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from fedaid.models.actor import Actor


class Circle(Model):
    """What a circle holds beside its Group actor. Its members are the accepted follows of that actor."""

    id = fields.IntField(primary_key=True)
    actor: fields.OneToOneRelation[Actor] = fields.OneToOneField(
        "models.Actor", related_name="circle", on_delete=fields.CASCADE
    )
    actor_id: int
    timezone = fields.CharField(max_length=64, default="Europe/Paris")
    topics: fields.JSONField[list[Any]] = fields.JSONField(default=list)  # category slugs from the coaching family
    is_open = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "circle"


class CircleFacilitator(Model):
    id = fields.IntField(primary_key=True)
    circle: fields.ForeignKeyRelation[Circle] = fields.ForeignKeyField(
        "models.Circle", related_name="facilitators", on_delete=fields.CASCADE
    )
    circle_id: int
    actor: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="facilitates", on_delete=fields.CASCADE
    )
    actor_id: int

    class Meta:
        table = "circle_facilitator"
        unique_together = (("circle", "actor"),)
