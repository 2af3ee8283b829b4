"""Mail and push to members: one job queue (`outbound_job`), Web Push subscriptions, the VAPID key, each
member's mail choices, and when a notification's jobs were queued (notifications from before are marked as
already dispatched, so an upgrade mails nobody about the past).
"""

from orjson import loads
from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from fedaid.models.outbound_job import JobChannel, JobState


class Migration(migrations.Migration):
    dependencies = [("models", "0015_rate_limit")]

    initial = False

    operations = [
        ops.CreateModel(
            name="PushSubscription",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "account",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="account_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="push_subscriptions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "token",
                    fields.OneToOneField(
                        "models.OAuthToken",
                        source_field="token_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="push_subscription",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("endpoint", fields.CharField(max_length=2048)),
                ("p256dh", fields.CharField(max_length=255)),
                ("auth", fields.CharField(max_length=255)),
                ("access_token_sealed", fields.TextField(unique=False)),
                ("alerts", fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ("policy", fields.CharField(default="all", max_length=16)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "push_subscription",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A Web Push subscription of a Mastodon app, one per access token as Mastodon keeps it.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="OutboundJob",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "channel",
                    fields.CharEnumField(description="MAIL: mail\nPUSH: push", enum_type=JobChannel, max_length=8),
                ),
                (
                    "account",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="account_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="outbound_jobs",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "notification",
                    fields.ForeignKeyField(
                        "models.Notification",
                        source_field="notification_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="outbound_jobs",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "push_subscription",
                    fields.ForeignKeyField(
                        "models.PushSubscription",
                        source_field="push_subscription_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="outbound_jobs",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("template", fields.CharField(max_length=64)),
                ("data", fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ("dedupe_key", fields.CharField(unique=True, max_length=255)),
                ("message_id", fields.CharField(default="", max_length=255)),
                (
                    "state",
                    fields.CharEnumField(
                        default=JobState.PENDING,
                        description="PENDING: pending\nDONE: done\nGIVEN_UP: given_up\nGONE: gone",
                        enum_type=JobState,
                        max_length=16,
                    ),
                ),
                ("attempts", fields.IntField(default=0)),
                ("next_attempt_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("claimed_until", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("last_status", fields.IntField(null=True)),
                ("last_error", fields.TextField(default="", unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("done_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "outbound_job",
                "app": "models",
                "indexes": [Index(fields=["state", "next_attempt_at"])],
                "pk_attr": "id",
                "table_description": "Send one mail or one push to `account`. `template` and `data` say what, rendered when sent.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="VapidKey",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("private_key_pem", fields.TextField(unique=False)),
                ("public_key", fields.CharField(max_length=128)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "vapid_key",
                "app": "models",
                "pk_attr": "id",
                "table_description": "The VAPID key pair of the instance (RFC 8292), made on first start: push services check our pushes with it.",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Account",
            name="digest_sent_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="Account",
            name="mail_choices",
            field=fields.JSONField(default=dict, db_default="{}", encoder=JSON_DUMPS, decoder=loads),
        ),
        ops.AddField(
            model_name="Notification",
            name="dispatched_at",
            field=fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False),
        ),
        ops.RunSQL(
            ["UPDATE notification SET dispatched_at = created_at WHERE dispatched_at IS NULL"],
            reverse_sql=[],
        ),
    ]
