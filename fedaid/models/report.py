"""Reports for the admins: members' own (web page, POST /api/v1/reports) and those other servers send (AS2 Flag)."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from fedaid.models.actor import Actor


class ReportCategory(StrEnum):
    """Mastodon's report categories (app/models/report.rb)."""

    SPAM = "spam"
    LEGAL = "legal"
    VIOLATION = "violation"
    OTHER = "other"


class Report(Model):
    """Who reported whom, which posts, and why; admins act on it, may forward it as a Flag, and resolve it."""

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
    # The database defaults let migration 0020 add these columns to a table that already holds reports.
    category = fields.CharEnumField(
        ReportCategory, max_length=16, default=ReportCategory.OTHER, db_default=ReportCategory.OTHER.value
    )
    # The reporter asks that the account's server be told.
    forward = fields.BooleanField(default=False, db_default=False)
    forwarded_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    resolved_at = fields.DatetimeField(null=True)
    resolved_by: fields.ForeignKeyNullableRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="reports_resolved", null=True, on_delete=fields.SET_NULL
    )
    resolved_by_id: int | None
    resolution_note = fields.TextField(default="", db_default="")

    class Meta:
        table = "report"


class AdminAction(Model):
    """One line of the audit log: what an admin or moderator did, to what, when (the CLI acts as nobody)."""

    id = fields.BigIntField(primary_key=True)
    actor: fields.ForeignKeyNullableRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="admin_actions", null=True, on_delete=fields.SET_NULL
    )
    actor_id: int | None
    action = fields.CharField(max_length=64)
    target = fields.CharField(max_length=512, default="")
    detail = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "admin_action"
