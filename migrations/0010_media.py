"""Media attachments of posts (local uploads and remote files) and the queue of work around them: processing
uploads, fetching remote media and the parents of replies."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from fedaid.models.media import MediaKind, MediaState, WorkKind, WorkState


class Migration(migrations.Migration):
    dependencies = [("models", "0009_inbox_item_due_index")]

    initial = False

    operations = [
        ops.CreateModel(
            name="MediaAttachment",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "owner",
                    fields.ForeignKeyField(
                        "models.Actor",
                        source_field="owner_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="media",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "post",
                    fields.ForeignKeyField(
                        "models.Post",
                        source_field="post_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="media",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("position", fields.SmallIntField(default=0)),
                (
                    "kind",
                    fields.CharEnumField(
                        default=MediaKind.UNKNOWN,
                        description="IMAGE: image\nVIDEO: video\nAUDIO: audio\nUNKNOWN: unknown",
                        enum_type=MediaKind,
                        max_length=16,
                    ),
                ),
                (
                    "state",
                    fields.CharEnumField(
                        default=MediaState.PROCESSING,
                        db_index=True,
                        description="PROCESSING: processing\nREADY: ready\nFETCHING: fetching\nFAILED: failed",
                        enum_type=MediaState,
                        max_length=16,
                    ),
                ),
                ("content_type", fields.CharField(default="", max_length=100)),
                ("description", fields.TextField(default="", unique=False)),
                ("focus_x", fields.FloatField(default=0)),
                ("focus_y", fields.FloatField(default=0)),
                ("width", fields.IntField(null=True)),
                ("height", fields.IntField(null=True)),
                ("small_width", fields.IntField(null=True)),
                ("small_height", fields.IntField(null=True)),
                ("blurhash", fields.CharField(null=True, max_length=100)),
                ("file_key", fields.CharField(null=True, db_index=True, max_length=100)),
                ("thumbnail_key", fields.CharField(null=True, db_index=True, max_length=100)),
                ("size", fields.BigIntField(default=0)),
                ("remote_url", fields.CharField(null=True, max_length=2048)),
                ("is_local", fields.BooleanField(default=True)),
                ("last_error", fields.TextField(default="", unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("fetched_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "media_attachment",
                "app": "models",
                "pk_attr": "id",
                "table_description": "One attached file. Files are named by their content (`file_key`, `thumbnail_key`) in the file store,",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WorkItem",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "kind",
                    fields.CharEnumField(
                        description="PROCESS_UPLOAD: process_upload\nFETCH_MEDIA: fetch_media\nFETCH_PARENT: fetch_parent",
                        enum_type=WorkKind,
                        max_length=32,
                    ),
                ),
                ("target", fields.CharField(max_length=512)),
                ("depth", fields.SmallIntField(default=0)),
                (
                    "state",
                    fields.CharEnumField(
                        default=WorkState.PENDING,
                        description="PENDING: pending\nDONE: done\nFAILED: failed",
                        enum_type=WorkState,
                        max_length=16,
                    ),
                ),
                ("attempts", fields.IntField(default=0)),
                ("last_error", fields.TextField(default="", unique=False)),
                ("next_attempt_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("claimed_until", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "work_item",
                "app": "models",
                "unique_together": (("kind", "target"),),
                "indexes": [Index(fields=["state", "next_attempt_at"])],
                "pk_attr": "id",
                "table_description": "Work that must happen after a request or an inbox item is done, outside its transaction.",
            },
            bases=["Model"],
        ),
    ]
