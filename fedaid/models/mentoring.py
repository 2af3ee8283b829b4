"""Mentoring: a mentor and a mentee agree on a series of meetings; each meeting both confirm counts."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from fedaid.models.actor import Actor


class MentorshipState(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ENDED = "ended"


class Mentorship(Model):
    id = fields.IntField(primary_key=True)
    mentor: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="mentorships_given", on_delete=fields.CASCADE
    )
    mentor_id: int
    mentee: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="mentorships_received", on_delete=fields.CASCADE
    )
    mentee_id: int
    topic = fields.CharField(max_length=200)
    hours_per_meeting = fields.DecimalField(max_digits=6, decimal_places=2)
    frequency = fields.CharField(max_length=16)  # a coaching_session.Frequency value
    first_meeting_at = fields.DatetimeField()
    until = fields.DatetimeField()
    state = fields.CharEnumField(MentorshipState, max_length=16, default=MentorshipState.PROPOSED)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "mentorship"


class MentoringMeeting(Model):
    id = fields.IntField(primary_key=True)
    mentorship: fields.ForeignKeyRelation[Mentorship] = fields.ForeignKeyField(
        "models.Mentorship", related_name="meetings", on_delete=fields.CASCADE
    )
    mentorship_id: int
    starts_at = fields.DatetimeField()
    mentor_confirmed_at = fields.DatetimeField(null=True)
    mentee_confirmed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "mentoring_meeting"

    @property
    def is_confirmed(self) -> bool:
        return self.mentor_confirmed_at is not None and self.mentee_confirmed_at is not None
