"""The record that help was given: each side of an agreement confirms it, and only then does it count."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from fedaid.models.agreement import Agreement


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
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "exchange"

    @property
    def is_confirmed(self) -> bool:
        """Confirmed by both sides: the only state the ledger counts."""
        return self.provider_confirmed_at is not None and self.receiver_confirmed_at is not None
