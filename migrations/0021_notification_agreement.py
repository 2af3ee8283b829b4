"""A notification of an agreement step names its agreement and what was done (offered, accepted...)."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0020_moderation")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Notification",
            name="action",
            field=fields.CharField(default="", db_default="", max_length=16),
        ),
        ops.AddField(
            model_name="Notification",
            name="agreement",
            field=fields.ForeignKeyField(
                "models.Agreement",
                source_field="agreement_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="+",
                on_delete=OnDelete.CASCADE,
            ),
        ),
    ]
