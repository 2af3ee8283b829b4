"""Pictures and documents on demands and coaching sessions: an attachment may hang on a demand (a draft has no
post yet) or on a session (which has none), each with an index holding only the rows that use it (plain SQL,
the same on SQLite and PostgreSQL)."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

INDEXES = {
    "idx_media_attachment_demand": "media_attachment (demand_id) WHERE demand_id IS NOT NULL",
    "idx_media_attachment_session": "media_attachment (session_id) WHERE session_id IS NOT NULL",
}


class Migration(migrations.Migration):
    dependencies = [("models", "0027_collective_theme")]

    initial = False

    operations = [
        ops.AddField(
            model_name="MediaAttachment",
            name="demand",
            field=fields.ForeignKeyField(
                "models.Demand",
                source_field="demand_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="media",
                on_delete=OnDelete.SET_NULL,
            ),
        ),
        ops.AddField(
            model_name="MediaAttachment",
            name="session",
            field=fields.ForeignKeyField(
                "models.CoachingSession",
                source_field="session_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="media",
                on_delete=OnDelete.SET_NULL,
            ),
        ),
        ops.RunSQL(
            [f"CREATE INDEX IF NOT EXISTS {name} ON {columns}" for name, columns in INDEXES.items()],
            reverse_sql=[f"DROP INDEX IF EXISTS {name}" for name in INDEXES],
        ),
    ]
