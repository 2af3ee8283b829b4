"""Reports (AS2 Flag) that other servers send about our members or their posts, for admins to review."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from fedaid.models.actor import Actor


class Report(Model):
    """A Flag received: who reported whom, which posts, and why. Admins resolve it."""

    id = fields.BigIntField(primary_key=True)
    ap_id = fields.CharField(max_length=512, unique=True)
    reporter: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="reports_sent", on_delete=fields.CASCADE
    )
    reporter_id: int
    target: fields.ForeignKeyNullableRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="reports_received", null=True, on_delete=fields.CASCADE
    )
    target_id: int | None
    post_ap_ids: fields.JSONField[list[Any]] = fields.JSONField(default=list)
    comment = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    resolved_at = fields.DatetimeField(null=True)

    class Meta:
        table = "report"
