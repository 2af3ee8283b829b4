"""Reading positions of a member's timelines (Mastodon's markers), so every app resumes where another stopped."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from fedaid.models.actor import Actor


class MarkerTimeline(StrEnum):
    HOME = "home"
    NOTIFICATIONS = "notifications"


class Marker(Model):
    """The last status or notification a member read in one timeline. `version` counts the changes."""

    id = fields.IntField(primary_key=True)
    actor: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="markers", on_delete=fields.CASCADE
    )
    actor_id: int
    timeline = fields.CharEnumField(MarkerTimeline, max_length=16)
    last_read_id = fields.CharField(max_length=32)
    version = fields.IntField(default=1)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "marker"
        unique_together = (("actor", "timeline"),)
