"""Mentoring becomes an agreement with a schedule: the tables made in 0011 (never written to) are replaced by a
mentorship hanging off its Agreement (parties, state and hours live there) and meetings named by their start."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0023_exchange_answers")]

    initial = False

    operations = [
        ops.DeleteModel(name="MentoringMeeting"),
        ops.DeleteModel(name="Mentorship"),
        ops.CreateModel(
            name="Mentorship",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "agreement",
                    fields.OneToOneField(
                        "models.Agreement",
                        source_field="agreement_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="mentorship",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("frequency", fields.CharField(max_length=16)),
                ("hours_per_meeting", fields.DecimalField(max_digits=6, decimal_places=2)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "mentorship",
                "app": "models",
                "pk_attr": "id",
                "table_description": "The schedule of a mentoring agreement.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="MentoringMeeting",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "mentorship",
                    fields.ForeignKeyField(
                        "models.Mentorship",
                        source_field="mentorship_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="meetings",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("starts_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("mentor_confirmed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("mentee_confirmed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("mentor_confirmation_ap_id", fields.CharField(null=True, unique=True, max_length=512)),
                ("mentee_confirmation_ap_id", fields.CharField(null=True, unique=True, max_length=512)),
            ],
            options={
                "table": "mentoring_meeting",
                "app": "models",
                "unique_together": (("mentorship", "starts_at"),),
                "pk_attr": "id",
                "table_description": "One meeting of a mentorship, named on both servers by its start time.",
            },
            bases=["Model"],
        ),
    ]
