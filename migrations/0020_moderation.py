"""Moderation: posts a moderator hid, reports by members (category, forward, who resolved it and how), and the
audit log of admin actions."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from fedaid.models.report import ReportCategory


class Migration(migrations.Migration):
    dependencies = [("models", "0019_accounts")]

    initial = False

    operations = [
        ops.CreateModel(
            name="AdminAction",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "actor",
                    fields.ForeignKeyField(
                        "models.Actor",
                        source_field="actor_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="admin_actions",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("action", fields.CharField(max_length=64)),
                ("target", fields.CharField(default="", max_length=512)),
                ("detail", fields.TextField(default="", unique=False)),
                ("created_at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "admin_action",
                "app": "models",
                "pk_attr": "id",
                "table_description": "One line of the audit log: what an admin or moderator did, to what, when (the CLI acts as nobody).",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Post",
            name="hidden_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AlterModelOptions(
            name="Report",
            options={
                "table": "report",
                "app": "models",
                "pk_attr": "id",
                "table_description": "Who reported whom, which posts, and why; admins act on it, may forward it as a Flag, and resolve it.",
            },
        ),
        ops.AddField(
            model_name="Report",
            name="category",
            field=fields.CharEnumField(
                default=ReportCategory.OTHER,
                db_default=ReportCategory.OTHER.value,
                description="SPAM: spam\nLEGAL: legal\nVIOLATION: violation\nOTHER: other",
                enum_type=ReportCategory,
                max_length=16,
            ),
        ),
        ops.AddField(
            model_name="Report",
            name="forward",
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name="Report",
            name="forwarded_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="Report",
            name="resolution_note",
            field=fields.TextField(default="", db_default="", unique=False),
        ),
        ops.AddField(
            model_name="Report",
            name="resolved_by",
            field=fields.ForeignKeyField(
                "models.Actor",
                source_field="resolved_by_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="reports_resolved",
                on_delete=OnDelete.SET_NULL,
            ),
        ),
    ]
