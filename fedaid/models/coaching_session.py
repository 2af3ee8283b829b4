"""Coaching sessions (AS2 `Event`s), their series and their participants with seats and a waiting list."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from fedaid.models.actor import Actor
    from fedaid.models.circle import Circle


class Frequency(StrEnum):
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"


class JoinMode(StrEnum):
    """Mobilizon's `joinMode`: free (accepted at once), restricted (organisers approve), external, invite."""

    FREE = "free"
    RESTRICTED = "restricted"
    EXTERNAL = "external"
    INVITE = "invite"


class SessionStatus(StrEnum):
    """`ical:status` as Mobilizon sends it."""

    CONFIRMED = "CONFIRMED"
    TENTATIVE = "TENTATIVE"
    CANCELLED = "CANCELLED"


class ParticipationState(StrEnum):
    ACCEPTED = "accepted"
    WAITING = "waiting"  # the session was full: the Join stays pending until someone leaves
    PENDING = "pending"  # a closed session: a facilitator decides
    REJECTED = "rejected"
    LEFT = "left"


class SessionSeries(Model):
    """Sessions repeating weekly, fortnightly or monthly, each created ahead as its own row."""

    id = fields.IntField(primary_key=True)
    circle: fields.ForeignKeyRelation[Circle] = fields.ForeignKeyField(
        "models.Circle", related_name="series", on_delete=fields.CASCADE
    )
    circle_id: int
    frequency = fields.CharEnumField(Frequency, max_length=16)
    first_starts_at = fields.DatetimeField()
    until = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "session_series"


class CoachingSession(Model):
    """One session. Local ones belong to a circle here, remote ones (Mobilizon, Gancio, fedaid) are read-only."""

    id = fields.BigIntField(primary_key=True)
    ap_id = fields.CharField(max_length=512, unique=True)
    url = fields.CharField(max_length=512, null=True)
    is_local = fields.BooleanField(default=False)
    circle: fields.ForeignKeyNullableRelation[Circle] = fields.ForeignKeyField(
        "models.Circle", related_name="sessions", null=True, on_delete=fields.CASCADE
    )
    circle_id: int | None
    organizer: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="organised_sessions", on_delete=fields.CASCADE
    )
    organizer_id: int
    series: fields.ForeignKeyNullableRelation[SessionSeries] = fields.ForeignKeyField(
        "models.SessionSeries", related_name="sessions", null=True, on_delete=fields.SET_NULL
    )
    series_id: int | None
    title = fields.CharField(max_length=200)
    description = fields.TextField(default="")  # sanitised HTML
    category = fields.CharField(max_length=64, default="")
    starts_at = fields.DatetimeField(db_index=True)
    ends_at = fields.DatetimeField()
    timezone = fields.CharField(max_length=64, default="Europe/Paris")
    place_name = fields.CharField(max_length=200, default="")
    place_address = fields.CharField(max_length=400, default="")
    online_url = fields.CharField(max_length=512, default="")
    capacity = fields.IntField(null=True)  # None: no limit
    accepted_count = fields.IntField(default=0)  # seats taken, changed only by conditional UPDATEs
    remote_participant_count = fields.IntField(null=True)  # as a remote organiser reports it
    join_mode = fields.CharEnumField(JoinMode, max_length=16, default=JoinMode.FREE)
    status = fields.CharEnumField(SessionStatus, max_length=16, default=SessionStatus.CONFIRMED)
    sequence = fields.IntField(default=0)  # iCalendar SEQUENCE: grows with every change
    facilitators = fields.ManyToManyField(
        "models.Actor", related_name="facilitated_sessions", through="coaching_session_facilitator"
    )
    attendance_closed_at = fields.DatetimeField(null=True)
    reminded_at = fields.DatetimeField(null=True)
    follow_up_prompted_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "coaching_session"

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED


class Participation(Model):
    """The RSVP of one actor to one session (a Join), its answer, and the confirmations of attendance."""

    id = fields.BigIntField(primary_key=True)
    session: fields.ForeignKeyRelation[CoachingSession] = fields.ForeignKeyField(
        "models.CoachingSession", related_name="participations", on_delete=fields.CASCADE
    )
    session_id: int
    actor: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="participations", on_delete=fields.CASCADE
    )
    actor_id: int
    state = fields.CharEnumField(ParticipationState, max_length=16, db_index=True)
    join_ap_id = fields.CharField(max_length=512, unique=True, null=True)
    answer_ap_id = fields.CharField(max_length=512, unique=True, null=True)  # our Accept/Reject, or theirs
    message = fields.TextField(default="")
    participant_confirmed_at = fields.DatetimeField(null=True)
    organizer_confirmed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "participation"
        unique_together = (("session", "actor"),)

    @property
    def is_confirmed(self) -> bool:
        """Attendance confirmed by the participant and by the session's organiser: the ledger counts it."""
        return self.participant_confirmed_at is not None and self.organizer_confirmed_at is not None


class CalendarToken(Model):
    """The secret of the personal calendar feed of a member (calendar apps cannot sign in), stored hashed."""

    id = fields.IntField(primary_key=True)
    actor: fields.OneToOneRelation[Actor] = fields.OneToOneField(
        "models.Actor", related_name="calendar_token", on_delete=fields.CASCADE
    )
    actor_id: int
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "calendar_token"
