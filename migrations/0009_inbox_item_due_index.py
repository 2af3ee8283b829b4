"""InboxItem: one (state, next_attempt_at) index instead of one on each column; the inbox stores a row per
activity it accepts and pays for every index of the table.
"""

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from fedaid.models.inbox_item import InboxState


class Migration(migrations.Migration):
    dependencies = [("models", "0008_post_edits_forgotten")]

    initial = False

    operations = [
        ops.AlterField(
            model_name="InboxItem",
            name="next_attempt_at",
            field=fields.DatetimeField(auto_now=False, auto_now_add=False),
        ),
        ops.AlterField(
            model_name="InboxItem",
            name="state",
            field=fields.CharEnumField(
                default=InboxState.PENDING,
                description="PENDING: pending\nDONE: done\nFAILED: failed",
                enum_type=InboxState,
                max_length=16,
            ),
        ),
        ops.AddIndex(
            model_name="InboxItem",
            index=Index(fields=["state", "next_attempt_at"]),
        ),
    ]
