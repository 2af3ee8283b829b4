"""Things a local member should hear about (Mastodon notification types plus mutual-aid ones)."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from fedaid.models.coaching_session import CoachingSession

if TYPE_CHECKING:
    from fedaid.models.actor import Actor
    from fedaid.models.agreement import Agreement
    from fedaid.models.post import Post


class NotificationKind(StrEnum):
    FOLLOW = "follow"
    FOLLOW_REQUEST = "follow_request"
    MENTION = "mention"
    REBLOG = "reblog"
    FAVOURITE = "favourite"
    RESPONSE = "response"
    MATCH = "match"
    AGREEMENT = "agreement"
    EXCHANGE = "exchange"
    SESSION = "session"  # a seat given, a move or a cancellation of a coaching session
    SESSION_REMINDER = "session.reminder"
    SESSION_FOLLOW_UP = "session.follow_up"
    MENTORING = "mentoring"
    POLL = "poll"  # a poll one voted in, or a demand one drafted, has ended
    DEMAND = "demand"  # a demand one supports changed status, or a collective co-signed one of ours
    ADMIN_REPORT = "admin.report"
    ADMIN_ALLIANCE = "admin.alliance"  # another collective asks to ally with ours: an admin decides
    ADMIN_SIGN_UP = "admin.sign_up"


class Notification(Model):
    id = fields.BigIntField(primary_key=True)
    recipient: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="notifications", on_delete=fields.CASCADE
    )
    recipient_id: int
    kind = fields.CharEnumField(NotificationKind, max_length=32)
    from_actor: fields.ForeignKeyNullableRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="+", null=True, on_delete=fields.CASCADE
    )
    from_actor_id: int | None
    post: fields.ForeignKeyNullableRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="+", null=True, on_delete=fields.CASCADE
    )
    post_id: int | None
    session: fields.ForeignKeyNullableRelation[CoachingSession] = fields.ForeignKeyField(
        "models.CoachingSession", related_name="+", null=True, on_delete=fields.CASCADE
    )
    session_id: int | None
    # For agreement steps: which agreement, and what `from_actor` did (offered, took, accepted, declined,
    # cancelled), so the notification still says it after later steps.
    agreement: fields.ForeignKeyNullableRelation[Agreement] = fields.ForeignKeyField(
        "models.Agreement", related_name="+", null=True, on_delete=fields.CASCADE
    )
    agreement_id: int | None
    action = fields.CharField(max_length=16, default="", db_default="")
    is_read = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    dispatched_at = fields.DatetimeField(null=True, db_index=True)  # when its mail and push jobs were queued

    class Meta:
        table = "notification"
