"""Collective demands (their status history and co-signers) and polls with their votes, the organiser role,
and the poll and demand notification kinds."""

from orjson import loads
from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from fedaid.models.account import AccountRole
from fedaid.models.demand import DemandStatus
from fedaid.models.notification import NotificationKind


class Migration(migrations.Migration):
    dependencies = [("models", "0012_web_sessions")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Demand",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("ap_id", fields.CharField(null=True, unique=True, max_length=512)),
                (
                    "collective",
                    fields.ForeignKeyField(
                        "models.Actor",
                        source_field="collective_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="demands",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "author",
                    fields.ForeignKeyField(
                        "models.Actor",
                        source_field="author_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="demands_drafted",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "post",
                    fields.OneToOneField(
                        "models.Post",
                        source_field="post_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="demand",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("is_local", fields.BooleanField(default=True)),
                ("title", fields.CharField(max_length=200)),
                ("text", fields.TextField(default="", unique=False)),
                ("target", fields.CharField(default="", max_length=300)),
                ("claims", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ("deadline", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("language", fields.CharField(default="fr", max_length=16)),
                (
                    "status",
                    fields.CharEnumField(
                        default=DemandStatus.DRAFT,
                        db_index=True,
                        description="DRAFT: draft\nOPEN: open\nDELIVERED: delivered\nANSWERED: answered\nWON: won\nLOST: lost\nWITHDRAWN: withdrawn",
                        enum_type=DemandStatus,
                        max_length=16,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("published_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("needs_update", fields.BooleanField(default=False)),
                ("update_sent_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "demand",
                "app": "models",
                "indexes": [Index(fields=["needs_update", "update_sent_at"])],
                "pk_attr": "id",
                "table_description": "A demand of a collective (a local Group, or a remote one whose Question we received).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="DemandCosigner",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "demand",
                    fields.ForeignKeyField(
                        "models.Demand",
                        source_field="demand_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="cosigners",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("group_ap_id", fields.CharField(max_length=512)),
                ("name", fields.CharField(default="", max_length=255)),
                ("url", fields.CharField(null=True, max_length=512)),
                ("endorsement_ap_id", fields.CharField(null=True, unique=True, max_length=512)),
                ("signed_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "demand_cosigner",
                "app": "models",
                "unique_together": (("demand", "group_ap_id"),),
                "pk_attr": "id",
                "table_description": "A collective that co-signs a demand: by its signed endorsement (our demands), or as listed by",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="DemandStatusChange",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "demand",
                    fields.ForeignKeyField(
                        "models.Demand",
                        source_field="demand_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="history",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        description="DRAFT: draft\nOPEN: open\nDELIVERED: delivered\nANSWERED: answered\nWON: won\nLOST: lost\nWITHDRAWN: withdrawn",
                        enum_type=DemandStatus,
                        max_length=16,
                    ),
                ),
                ("changed_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "demand_status_change",
                "app": "models",
                "unique_together": (("demand", "status"),),
                "pk_attr": "id",
                "table_description": "When a demand reached a status: the dated history shown on its page and sent in its Question.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Poll",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "post",
                    fields.OneToOneField(
                        "models.Post",
                        source_field="post_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="poll",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("options", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ("counts", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ("is_multiple", fields.BooleanField(default=False)),
                ("voters_count", fields.IntField(default=0)),
                ("expires_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("closed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("refreshed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "poll",
                "app": "models",
                "pk_attr": "id",
                "table_description": "The poll of a Question post: `counts` per option as its server last told us, and in our own polls",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PollVote",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "poll",
                    fields.ForeignKeyField(
                        "models.Poll",
                        source_field="poll_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="votes",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "voter",
                    fields.ForeignKeyField(
                        "models.Actor",
                        source_field="voter_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="poll_votes",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("choice", fields.IntField()),
                ("is_named", fields.BooleanField(default=False)),
                ("ap_id", fields.CharField(null=True, unique=True, max_length=512)),
                ("activity_ap_id", fields.CharField(null=True, max_length=512)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "poll_vote",
                "app": "models",
                "unique_together": (("poll", "voter", "choice"),),
                "pk_attr": "id",
                "table_description": "One actor choosing one option: any vote in our polls, and the votes of our members in remote ones.",
            },
            bases=["Model"],
        ),
        ops.AlterField(
            model_name="Account",
            name="role",
            field=fields.CharEnumField(
                default=AccountRole.MEMBER,
                description="MEMBER: member\nORGANISER: organiser\nMODERATOR: moderator\nADMIN: admin",
                enum_type=AccountRole,
                max_length=16,
            ),
        ),
        ops.AlterField(
            model_name="Invite",
            name="role",
            field=fields.CharEnumField(
                default=AccountRole.MEMBER,
                description="MEMBER: member\nORGANISER: organiser\nMODERATOR: moderator\nADMIN: admin",
                enum_type=AccountRole,
                max_length=16,
            ),
        ),
        ops.AlterField(
            model_name="Notification",
            name="kind",
            field=fields.CharEnumField(
                description="FOLLOW: follow\nFOLLOW_REQUEST: follow_request\nMENTION: mention\nREBLOG: reblog\nFAVOURITE: favourite\nRESPONSE: response\nMATCH: match\nAGREEMENT: agreement\nEXCHANGE: exchange\nSESSION: session\nSESSION_REMINDER: session.reminder\nSESSION_FOLLOW_UP: session.follow_up\nMENTORING: mentoring\nPOLL: poll\nDEMAND: demand\nADMIN_REPORT: admin.report\nADMIN_SIGN_UP: admin.sign_up",
                enum_type=NotificationKind,
                max_length=32,
            ),
        ),
    ]
