"""Boosts, timeline markers and the earlier versions of edited posts (client API), with the indexes that
count favourites and boosts per post and page a member's boosts."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from fedaid.models.marker import MarkerTimeline

INDEXES = {
    "idx_favourite_post": "favourite (post_id)",
    "idx_reblog_post": "reblog (post_id)",
    "idx_reblog_actor": "reblog (actor_id, id)",
    "idx_post_edit_post": "post_edit (post_id, id)",
}


class Migration(migrations.Migration):
    dependencies = [("models", "0006_api_indexes")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Marker",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "actor",
                    fields.ForeignKeyField(
                        "models.Actor",
                        source_field="actor_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="markers",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "timeline",
                    fields.CharEnumField(
                        description="HOME: home\nNOTIFICATIONS: notifications", enum_type=MarkerTimeline, max_length=16
                    ),
                ),
                ("last_read_id", fields.CharField(max_length=32)),
                ("version", fields.IntField(default=1)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "marker",
                "app": "models",
                "unique_together": (("actor", "timeline"),),
                "pk_attr": "id",
                "table_description": "The last status or notification a member read in one timeline. `version` counts the changes.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PostEdit",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "post",
                    fields.ForeignKeyField(
                        "models.Post",
                        source_field="post_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="edits",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("content", fields.TextField(default="", unique=False)),
                ("summary", fields.TextField(default="", unique=False)),
                ("sensitive", fields.BooleanField(default=False)),
                ("written_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("replaced_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "post_edit",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A post's text as it stood until `replaced_at`, when an edit replaced it.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Reblog",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("ap_id", fields.CharField(unique=True, max_length=512)),
                (
                    "actor",
                    fields.ForeignKeyField(
                        "models.Actor",
                        source_field="actor_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="reblogs",
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
                        related_name="reblogs",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "reblog",
                "app": "models",
                "unique_together": (("actor", "post"),),
                "pk_attr": "id",
                "table_description": "One actor boosting one post. `id` is time-ordered (the id of the reblog status in the client API).",
            },
            bases=["Model"],
        ),
        ops.RunSQL(
            [f"CREATE INDEX IF NOT EXISTS {name} ON {columns}" for name, columns in INDEXES.items()],
            reverse_sql=[f"DROP INDEX IF EXISTS {name}" for name in INDEXES],
        ),
    ]
