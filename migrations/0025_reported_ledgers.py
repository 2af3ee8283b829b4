"""Lines of allied collectives' ledgers, as they report them: hours between two other collectives."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0024_mentoring_agreements")]

    initial = False

    operations = [
        ops.CreateModel(
            name="ReportedLedgerEntry",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "reporter",
                    fields.ForeignKeyField(
                        "models.Actor",
                        source_field="reporter_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="reported_ledger",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("counterpart_domain", fields.CharField(max_length=255)),
                ("counterpart_ap_id", fields.CharField(default="", max_length=512)),
                ("given", fields.DecimalField(max_digits=10, decimal_places=2)),
                ("received", fields.DecimalField(max_digits=10, decimal_places=2)),
                ("reported_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "reported_ledger_entry",
                "app": "models",
                "unique_together": (("reporter", "counterpart_domain"),),
                "pk_attr": "id",
                "table_description": "One line of an allied collective's ledger collection.",
            },
            bases=["Model"],
        ),
    ]
