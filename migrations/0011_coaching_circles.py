"""Coaching circles: circles, their sessions (Events) and series, participations, calendar tokens, mentoring;
the kind of a Group (collective or circle), and notifications about sessions."""

from enum import StrEnum

from orjson import loads
from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise.migrations import operations as ops

from fedaid.models.actor import GroupKind
from fedaid.models.coaching_session import Frequency, JoinMode, ParticipationState, SessionStatus
from fedaid.models.notification import NotificationKind


class MentorshipState(StrEnum):
    """The states mentorships had until 0023 (an agreement's state since): kept here for this migration."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ENDED = "ended"


class Migration(migrations.Migration):
    dependencies = [("models", "0010_media")]

    initial = False

    operations = [
        ops.CreateModel(
            name="CalendarToken",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "actor",
                    fields.OneToOneField(
                        "models.Actor",
                        source_field="actor_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="calendar_token",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "calendar_token",
                "app": "models",
                "pk_attr": "id",
                "table_description": "The secret of the personal calendar feed of a member (calendar apps cannot sign in), stored hashed.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Circle",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "actor",
                    fields.OneToOneField(
                        "models.Actor",
                        source_field="actor_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="circle",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("timezone", fields.CharField(default="Europe/Paris", max_length=64)),
                ("topics", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ("is_open", fields.BooleanField(default=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "circle",
                "app": "models",
                "pk_attr": "id",
                "table_description": "What a circle holds beside its Group actor. Its members are the accepted follows of that actor.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CircleFacilitator",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "circle",
                    fields.ForeignKeyField(
                        "models.Circle",
                        source_field="circle_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="facilitators",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "actor",
                    fields.ForeignKeyField(
                        "models.Actor",
                        source_field="actor_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="facilitates",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
            ],
            options={
                "table": "circle_facilitator",
                "app": "models",
                "unique_together": (("circle", "actor"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Mentorship",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "mentor",
                    fields.ForeignKeyField(
                        "models.Actor",
                        source_field="mentor_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="mentorships_given",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "mentee",
                    fields.ForeignKeyField(
                        "models.Actor",
                        source_field="mentee_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="mentorships_received",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("topic", fields.CharField(max_length=200)),
                ("hours_per_meeting", fields.DecimalField(max_digits=6, decimal_places=2)),
                ("frequency", fields.CharField(max_length=16)),
                ("first_meeting_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("until", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "state",
                    fields.CharEnumField(
                        default=MentorshipState.PROPOSED,
                        description="PROPOSED: proposed\nACCEPTED: accepted\nDECLINED: declined\nENDED: ended",
                        enum_type=MentorshipState,
                        max_length=16,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={"table": "mentorship", "app": "models", "pk_attr": "id"},
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
            ],
            options={"table": "mentoring_meeting", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SessionSeries",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "circle",
                    fields.ForeignKeyField(
                        "models.Circle",
                        source_field="circle_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="series",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "frequency",
                    fields.CharEnumField(
                        description="WEEKLY: weekly\nFORTNIGHTLY: fortnightly\nMONTHLY: monthly",
                        enum_type=Frequency,
                        max_length=16,
                    ),
                ),
                ("first_starts_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("until", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "session_series",
                "app": "models",
                "pk_attr": "id",
                "table_description": "Sessions repeating weekly, fortnightly or monthly, each created ahead as its own row.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CoachingSession",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("ap_id", fields.CharField(unique=True, max_length=512)),
                ("url", fields.CharField(null=True, max_length=512)),
                ("is_local", fields.BooleanField(default=False)),
                (
                    "circle",
                    fields.ForeignKeyField(
                        "models.Circle",
                        source_field="circle_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="sessions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "organizer",
                    fields.ForeignKeyField(
                        "models.Actor",
                        source_field="organizer_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="organised_sessions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "series",
                    fields.ForeignKeyField(
                        "models.SessionSeries",
                        source_field="series_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="sessions",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("title", fields.CharField(max_length=200)),
                ("description", fields.TextField(default="", unique=False)),
                ("category", fields.CharField(default="", max_length=64)),
                ("starts_at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ("ends_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("timezone", fields.CharField(default="Europe/Paris", max_length=64)),
                ("place_name", fields.CharField(default="", max_length=200)),
                ("place_address", fields.CharField(default="", max_length=400)),
                ("online_url", fields.CharField(default="", max_length=512)),
                ("capacity", fields.IntField(null=True)),
                ("accepted_count", fields.IntField(default=0)),
                ("remote_participant_count", fields.IntField(null=True)),
                (
                    "join_mode",
                    fields.CharEnumField(
                        default=JoinMode.FREE,
                        description="FREE: free\nRESTRICTED: restricted\nEXTERNAL: external\nINVITE: invite",
                        enum_type=JoinMode,
                        max_length=16,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=SessionStatus.CONFIRMED,
                        description="CONFIRMED: CONFIRMED\nTENTATIVE: TENTATIVE\nCANCELLED: CANCELLED",
                        enum_type=SessionStatus,
                        max_length=16,
                    ),
                ),
                ("sequence", fields.IntField(default=0)),
                (
                    "facilitators",
                    fields.ManyToManyField(
                        "models.Actor",
                        unique=True,
                        db_constraint=True,
                        through="coaching_session_facilitator",
                        forward_key="actor_id",
                        backward_key="coaching_session_id",
                        related_name="facilitated_sessions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("attendance_closed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("reminded_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("follow_up_prompted_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "coaching_session",
                "app": "models",
                "pk_attr": "id",
                "table_description": "One session. Local ones belong to a circle here, remote ones (Mobilizon, Gancio, fedaid) are read-only.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Participation",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "session",
                    fields.ForeignKeyField(
                        "models.CoachingSession",
                        source_field="session_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="participations",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "actor",
                    fields.ForeignKeyField(
                        "models.Actor",
                        source_field="actor_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="participations",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "state",
                    fields.CharEnumField(
                        db_index=True,
                        description="ACCEPTED: accepted\nWAITING: waiting\nPENDING: pending\nREJECTED: rejected\nLEFT: left",
                        enum_type=ParticipationState,
                        max_length=16,
                    ),
                ),
                ("join_ap_id", fields.CharField(null=True, unique=True, max_length=512)),
                ("answer_ap_id", fields.CharField(null=True, unique=True, max_length=512)),
                ("message", fields.TextField(default="", unique=False)),
                ("participant_confirmed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("organizer_confirmed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "participation",
                "app": "models",
                "unique_together": (("session", "actor"),),
                "pk_attr": "id",
                "table_description": "The RSVP of one actor to one session (a Join), its answer, and the confirmations of attendance.",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Actor",
            name="group_kind",
            field=fields.CharEnumField(
                default=GroupKind.COLLECTIVE,
                db_default=GroupKind.COLLECTIVE.value,
                description="COLLECTIVE: collective\nCIRCLE: circle",
                enum_type=GroupKind,
                max_length=16,
            ),
        ),
        ops.AlterField(
            model_name="Notification",
            name="kind",
            field=fields.CharEnumField(
                description="FOLLOW: follow\nFOLLOW_REQUEST: follow_request\nMENTION: mention\nREBLOG: reblog\nFAVOURITE: favourite\nRESPONSE: response\nMATCH: match\nAGREEMENT: agreement\nEXCHANGE: exchange\nSESSION: session\nSESSION_REMINDER: session.reminder\nSESSION_FOLLOW_UP: session.follow_up\nMENTORING: mentoring\nADMIN_REPORT: admin.report\nADMIN_SIGN_UP: admin.sign_up",
                enum_type=NotificationKind,
                max_length=32,
            ),
        ),
        ops.AddField(
            model_name="Notification",
            name="session",
            field=fields.ForeignKeyField(
                "models.CoachingSession",
                source_field="session_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="+",
                on_delete=OnDelete.CASCADE,
            ),
        ),
    ]
