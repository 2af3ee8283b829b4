import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0003_oauth")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Favourite",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("ap_id", fields.CharField(null=True, unique=True, max_length=512)),
                (
                    "actor",
                    fields.ForeignKeyField(
                        "models.Actor",
                        source_field="actor_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="favourites",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "post",
                    fields.ForeignKeyField(
                        "models.Post",
                        source_field="post_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="favourites",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "favourite",
                "app": "models",
                "unique_together": (("actor", "post"),),
                "pk_attr": "id",
                "table_description": "One actor liking one post, kept so that an Undo(Like) can take it back.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Report",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("ap_id", fields.CharField(unique=True, max_length=512)),
                (
                    "reporter",
                    fields.ForeignKeyField(
                        "models.Actor",
                        source_field="reporter_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="reports_sent",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "target",
                    fields.ForeignKeyField(
                        "models.Actor",
                        source_field="target_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="reports_received",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "post_ap_ids",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("comment", fields.TextField(default="", unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("resolved_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "report",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A Flag received: who reported whom, which posts, and why. Admins resolve it.",
            },
            bases=["Model"],
        ),
    ]
