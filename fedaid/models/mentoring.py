"""Mentoring: a mentor and a mentee agree on a series of meetings; each meeting both confirm counts."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class MentorshipState(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ENDED = "ended"


class Mentorship(Model):
    id = fields.IntField(primary_key=True)
    mentor = fields.ForeignKeyField("models.Actor", related_name="mentorships_given", on_delete=fields.CASCADE)
    mentee = fields.ForeignKeyField("models.Actor", related_name="mentorships_received", on_delete=fields.CASCADE)
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
    mentorship = fields.ForeignKeyField("models.Mentorship", related_name="meetings", on_delete=fields.CASCADE)
    starts_at = fields.DatetimeField()
    mentor_confirmed_at = fields.DatetimeField(null=True)
    mentee_confirmed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "mentoring_meeting"

    @property
    def is_confirmed(self) -> bool:
        return self.mentor_confirmed_at is not None and self.mentee_confirmed_at is not None
