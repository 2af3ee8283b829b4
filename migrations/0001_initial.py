import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from fedaid.models.account import AccountRole, AccountState
from fedaid.models.actor import ActorType
from fedaid.models.delivery import DeliveryState
from fedaid.models.domain_policy import PolicyKind
from fedaid.models.follow import FollowState
from fedaid.models.inbox_item import InboxState
from fedaid.models.notification import NotificationKind
from fedaid.models.post import Visibility
from fedaid.models.proposal import ProposalPurpose, ProposalStatus


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="Actor",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("ap_id", fields.CharField(unique=True, max_length=512)),
                (
                    "type",
                    fields.CharEnumField(
                        description="PERSON: Person\nGROUP: Group\nAPPLICATION: Application\nSERVICE: Service\nORGANIZATION: Organization",
                        enum_type=ActorType,
                        max_length=16,
                    ),
                ),
                ("username", fields.CharField(max_length=255)),
                ("domain", fields.CharField(max_length=255)),
                ("is_local", fields.BooleanField(default=False)),
                ("name", fields.CharField(default="", max_length=255)),
                ("summary", fields.TextField(default="", unique=False)),
                ("url", fields.CharField(null=True, max_length=512)),
                ("icon_url", fields.CharField(null=True, max_length=512)),
                ("inbox", fields.CharField(max_length=512)),
                ("shared_inbox", fields.CharField(null=True, max_length=512)),
                ("outbox", fields.CharField(null=True, max_length=512)),
                ("followers_url", fields.CharField(null=True, max_length=512)),
                ("following_url", fields.CharField(null=True, max_length=512)),
                ("key_id", fields.CharField(null=True, unique=True, max_length=512)),
                ("public_key_pem", fields.TextField(null=True, unique=False)),
                ("private_key_pem", fields.TextField(null=True, unique=False)),
                ("manually_approves_followers", fields.BooleanField(default=False)),
                ("discoverable", fields.BooleanField(default=True)),
                ("moved_to", fields.CharField(null=True, max_length=512)),
                ("published_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("fetched_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("deleted_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "actor",
                "app": "models",
                "unique_together": (("username", "domain"),),
                "pk_attr": "id",
                "table_description": "One ActivityPub actor. `ap_id` is its URL, and local actors also hold their private key.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Account",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "actor",
                    fields.OneToOneField(
                        "models.Actor",
                        source_field="actor_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="account",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("email", fields.CharField(unique=True, max_length=320)),
                ("password_hash", fields.CharField(default="", max_length=255)),
                (
                    "role",
                    fields.CharEnumField(
                        default=AccountRole.MEMBER,
                        description="MEMBER: member\nMODERATOR: moderator\nADMIN: admin",
                        enum_type=AccountRole,
                        max_length=16,
                    ),
                ),
                (
                    "state",
                    fields.CharEnumField(
                        default=AccountState.APPROVED,
                        description="PENDING: pending\nAPPROVED: approved\nSUSPENDED: suspended",
                        enum_type=AccountState,
                        max_length=16,
                    ),
                ),
                ("locale", fields.CharField(default="fr", max_length=16)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "account",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A member who signs in here. The password is an argon2id hash, never the password.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Delivery",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("activity_id", fields.CharField(max_length=512)),
                ("payload", fields.TextField(unique=False)),
                (
                    "sender",
                    fields.ForeignKeyField(
                        "models.Actor",
                        source_field="sender_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="deliveries",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("inbox", fields.CharField(max_length=512)),
                ("host", fields.CharField(db_index=True, max_length=255)),
                (
                    "state",
                    fields.CharEnumField(
                        default=DeliveryState.PENDING,
                        description="PENDING: pending\nDONE: done\nGIVEN_UP: given_up\nGONE: gone",
                        enum_type=DeliveryState,
                        max_length=16,
                    ),
                ),
                ("attempts", fields.IntField(default=0)),
                ("next_attempt_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("claimed_until", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("last_status", fields.IntField(null=True)),
                ("last_error", fields.TextField(default="", unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("delivered_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "delivery",
                "app": "models",
                "unique_together": (("activity_id", "inbox"),),
                "indexes": [Index(fields=["state", "next_attempt_at"])],
                "pk_attr": "id",
                "table_description": "Send `payload` (exact bytes, signed by `sender`) to `inbox`.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="DomainHealth",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("host", fields.CharField(unique=True, max_length=255)),
                (
                    "failure_days",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("is_unavailable", fields.BooleanField(default=False)),
                ("last_error", fields.TextField(default="", unique=False)),
                ("last_failure_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("last_success_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "domain_health",
                "app": "models",
                "pk_attr": "id",
                "table_description": "Delivery failures per remote host: unavailable after failures on 7 distinct days (as Mastodon).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="DomainPolicy",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("domain", fields.CharField(unique=True, max_length=255)),
                (
                    "kind",
                    fields.CharEnumField(
                        description="ALLOW: allow\nSILENCE: silence\nBLOCK: block", enum_type=PolicyKind, max_length=16
                    ),
                ),
                ("reason", fields.TextField(default="", unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={"table": "domain_policy", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Follow",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "follower",
                    fields.ForeignKeyField(
                        "models.Actor",
                        source_field="follower_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="following_rows",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "target",
                    fields.ForeignKeyField(
                        "models.Actor",
                        source_field="target_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="follower_rows",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "state",
                    fields.CharEnumField(
                        default=FollowState.PENDING,
                        description="PENDING: pending\nACCEPTED: accepted",
                        enum_type=FollowState,
                        max_length=16,
                    ),
                ),
                ("ap_id", fields.CharField(null=True, unique=True, max_length=512)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("accepted_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={"table": "follow", "app": "models", "unique_together": (("follower", "target"),), "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="InboxItem",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("activity_id", fields.CharField(unique=True, max_length=512)),
                ("activity_type", fields.CharField(max_length=64)),
                ("actor_ap_id", fields.CharField(max_length=512)),
                ("signed_by", fields.CharField(default="", max_length=512)),
                ("payload", fields.JSONField(encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads)),
                (
                    "state",
                    fields.CharEnumField(
                        default=InboxState.PENDING,
                        db_index=True,
                        description="PENDING: pending\nDONE: done\nFAILED: failed",
                        enum_type=InboxState,
                        max_length=16,
                    ),
                ),
                ("attempts", fields.IntField(default=0)),
                ("last_error", fields.TextField(default="", unique=False)),
                ("received_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("next_attempt_at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ("claimed_until", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("processed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "inbox_item",
                "app": "models",
                "pk_attr": "id",
                "table_description": "One accepted activity, stored before the inbox answers 202.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Invite",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                (
                    "role",
                    fields.CharEnumField(
                        default=AccountRole.MEMBER,
                        description="MEMBER: member\nMODERATOR: moderator\nADMIN: admin",
                        enum_type=AccountRole,
                        max_length=16,
                    ),
                ),
                (
                    "created_by",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="created_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="invites",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "invite",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A one-time sign-up link. Only the SHA-256 of its token is stored.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Post",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("ap_id", fields.CharField(unique=True, max_length=512)),
                (
                    "author",
                    fields.ForeignKeyField(
                        "models.Actor",
                        source_field="author_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="posts",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("is_local", fields.BooleanField(default=False)),
                ("content", fields.TextField(default="", unique=False)),
                ("summary", fields.TextField(default="", unique=False)),
                ("sensitive", fields.BooleanField(default=False)),
                ("language", fields.CharField(null=True, max_length=16)),
                (
                    "visibility",
                    fields.CharEnumField(
                        default=Visibility.PUBLIC,
                        db_index=True,
                        description="PUBLIC: public\nUNLISTED: unlisted\nFOLLOWERS: followers\nDIRECT: direct",
                        enum_type=Visibility,
                        max_length=16,
                    ),
                ),
                ("url", fields.CharField(null=True, max_length=512)),
                ("in_reply_to_ap_id", fields.CharField(null=True, db_index=True, max_length=512)),
                (
                    "in_reply_to",
                    fields.ForeignKeyField(
                        "models.Post",
                        source_field="in_reply_to_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="replies",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("audience", fields.CharField(null=True, max_length=512)),
                (
                    "mentions",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                (
                    "addressed_to",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("published_at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("deleted_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "post",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A Note. `content` is HTML already sanitised on Mastodon's allowlist.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Notification",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "recipient",
                    fields.ForeignKeyField(
                        "models.Actor",
                        source_field="recipient_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="notifications",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="FOLLOW: follow\nFOLLOW_REQUEST: follow_request\nMENTION: mention\nREBLOG: reblog\nFAVOURITE: favourite\nRESPONSE: response\nMATCH: match\nAGREEMENT: agreement\nEXCHANGE: exchange\nADMIN_REPORT: admin.report\nADMIN_SIGN_UP: admin.sign_up",
                        enum_type=NotificationKind,
                        max_length=32,
                    ),
                ),
                (
                    "from_actor",
                    fields.ForeignKeyField(
                        "models.Actor",
                        source_field="from_actor_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="+",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "post",
                    fields.ForeignKeyField(
                        "models.Post",
                        source_field="post_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="+",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("is_read", fields.BooleanField(default=False)),
                ("created_at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
            ],
            options={"table": "notification", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PostTag",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "post",
                    fields.ForeignKeyField(
                        "models.Post",
                        source_field="post_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="tags",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(db_index=True, max_length=100)),
            ],
            options={
                "table": "post_tag",
                "app": "models",
                "unique_together": (("post", "name"),),
                "pk_attr": "id",
                "table_description": "One hashtag of a post, lowercased without `#`, for tag timelines and search.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Proposal",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "post",
                    fields.OneToOneField(
                        "models.Post",
                        source_field="post_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="proposal",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "purpose",
                    fields.CharEnumField(
                        db_index=True,
                        description="OFFER: offer\nREQUEST: request",
                        enum_type=ProposalPurpose,
                        max_length=16,
                    ),
                ),
                ("title", fields.CharField(max_length=200)),
                ("category", fields.CharField(default="", db_index=True, max_length=64)),
                (
                    "tags",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("hours", fields.DecimalField(default=1, max_digits=8, decimal_places=2)),
                ("available_hours", fields.DecimalField(default=1, max_digits=8, decimal_places=2)),
                ("place_name", fields.CharField(default="", max_length=200)),
                ("latitude", fields.FloatField(null=True)),
                ("longitude", fields.FloatField(null=True)),
                ("radius_km", fields.FloatField(null=True)),
                ("remote_ok", fields.BooleanField(default=False)),
                ("starts_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("ends_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                (
                    "status",
                    fields.CharEnumField(
                        default=ProposalStatus.OPEN,
                        db_index=True,
                        description="OPEN: open\nAGREED: agreed\nFULFILLED: fulfilled\nCLOSED: closed\nEXPIRED: expired",
                        enum_type=ProposalStatus,
                        max_length=16,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={"table": "proposal", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
    ]
