"""The collective's look, set by its admins: two colours and a logo (an uploaded picture)."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0026_other_groups")]

    initial = False

    operations = [
        ops.AddField(
            model_name="CollectivePage",
            name="accent_color",
            field=fields.CharField(default="", db_default="", max_length=7),
        ),
        ops.AddField(
            model_name="CollectivePage",
            name="link_color",
            field=fields.CharField(default="", db_default="", max_length=7),
        ),
        ops.AddField(
            model_name="CollectivePage",
            name="logo",
            field=fields.ForeignKeyField(
                "models.MediaAttachment",
                source_field="logo_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="collective_logos",
                on_delete=OnDelete.SET_NULL,
            ),
        ),
    ]
