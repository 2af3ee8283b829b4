"""Moderators silence or suspend one account of another server (`actor.silenced_at`, `actor.suspended_at`)."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0021_notification_agreement")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Actor",
            name="silenced_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="Actor",
            name="suspended_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
