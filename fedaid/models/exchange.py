"""The record that help was given: each side of an agreement confirms it, and only then does it count."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from fedaid.models.agreement import Agreement
    from fedaid.models.post import Post


class ConfirmationWay(StrEnum):
    """How one side's confirmation reached us."""

    HERE = "here"  # a member of this server, on its pages or apps
    ACTIVITY = "activity"  # a FEP-0837 confirmation from the party's fedaid (or compatible) server
    LIKE = "like"  # a Like of the confirmation note we sent them (a Mastodon user, say)
    REPLY = "reply"  # a reply to that note carrying a confirmation word


class Exchange(Model):
    """Hours given under one agreement. The ledger counts it once both confirmation times are set."""

    id = fields.BigIntField(primary_key=True)
    agreement: fields.OneToOneRelation[Agreement] = fields.OneToOneField(
        "models.Agreement", related_name="exchange", on_delete=fields.CASCADE
    )
    agreement_id: int
    hours = fields.DecimalField(max_digits=8, decimal_places=2)
    provider_confirmed_at = fields.DatetimeField(null=True)
    receiver_confirmed_at = fields.DatetimeField(null=True)
    provider_confirmation_ap_id = fields.CharField(max_length=512, unique=True, null=True)
    receiver_confirmation_ap_id = fields.CharField(max_length=512, unique=True, null=True)
    provider_confirmed_via = fields.CharEnumField(ConfirmationWay, max_length=16, null=True)
    receiver_confirmed_via = fields.CharEnumField(ConfirmationWay, max_length=16, null=True)
    # The direct note asking a party who can only post (a Mastodon user) to like it or answer it with a word.
    confirmation_note: fields.ForeignKeyNullableRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="confirmation_requests", null=True, on_delete=fields.SET_NULL
    )
    confirmation_note_id: int | None
    disputed_at = fields.DatetimeField(null=True)  # that party answered with a dispute word: never counted
    dispute_ap_id = fields.CharField(max_length=512, null=True)  # the reply that disputed it
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "exchange"

    @property
    def is_confirmed(self) -> bool:
        """Confirmed by both sides and not disputed: the only state the ledger counts."""
        return (
            self.provider_confirmed_at is not None
            and self.receiver_confirmed_at is not None
            and self.disputed_at is None
        )
