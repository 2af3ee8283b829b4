"""Mentoring: an agreement whose hours are spread over recurring meetings; each meeting both confirm counts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from fedaid.models.agreement import Agreement


class Mentorship(Model):
    """The schedule of a mentoring agreement.

    The `Agreement` (FEP-0837, federated as any other) holds the parties (the provider mentors, the receiver is
    mentored), its state and the total hours.
    """

    id = fields.IntField(primary_key=True)
    agreement: fields.OneToOneRelation[Agreement] = fields.OneToOneField(
        "models.Agreement", related_name="mentorship", on_delete=fields.CASCADE
    )
    agreement_id: int
    frequency = fields.CharField(max_length=16)  # a coaching_session.Frequency value
    hours_per_meeting = fields.DecimalField(max_digits=6, decimal_places=2)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "mentorship"


class MentoringMeeting(Model):
    """One meeting of a mentorship, named on both servers by its start time."""

    id = fields.IntField(primary_key=True)
    mentorship: fields.ForeignKeyRelation[Mentorship] = fields.ForeignKeyField(
        "models.Mentorship", related_name="meetings", on_delete=fields.CASCADE
    )
    mentorship_id: int
    starts_at = fields.DatetimeField()
    mentor_confirmed_at = fields.DatetimeField(null=True)
    mentee_confirmed_at = fields.DatetimeField(null=True)
    mentor_confirmation_ap_id = fields.CharField(max_length=512, unique=True, null=True)
    mentee_confirmation_ap_id = fields.CharField(max_length=512, unique=True, null=True)

    class Meta:
        table = "mentoring_meeting"
        unique_together = (("mentorship", "starts_at"),)

    @property
    def is_confirmed(self) -> bool:
        return self.mentor_confirmed_at is not None and self.mentee_confirmed_at is not None
