"""RateLimit: attempts per bucket (password checks by address and by account, sign-ups, app registrations),
shared by every process.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0014_clean_display_names")]

    initial = False

    operations = [
        ops.CreateModel(
            name="RateLimit",
            fields=[
                ("bucket", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=255)),
                ("hits", fields.IntField(default=0)),
                ("wait", fields.FloatField(default=0)),
                ("blocked_until", fields.FloatField(default=0)),
                ("resets_at", fields.FloatField(default=0)),
            ],
            options={"table": "rate_limit", "app": "models", "pk_attr": "bucket"},
            bases=["Model"],
        ),
    ]
