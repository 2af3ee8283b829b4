from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0004_inbound")]

    initial = False

    operations = [
        ops.CreateModel(
            name="CollectivePage",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "collective",
                    fields.OneToOneField(
                        "models.Actor",
                        source_field="collective_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="page",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("rules", fields.TextField(default="", unique=False)),
                ("contact", fields.TextField(default="", unique=False)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "collective_page",
                "app": "models",
                "pk_attr": "id",
                "table_description": "One row per local collective Group, edited by its admins. Rules and contact are plain text.",
            },
            bases=["Model"],
        ),
    ]
