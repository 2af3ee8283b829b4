"""What another collective reports of its hours with a third: one row per (reporter, counterpart), as last read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from fedaid.models.actor import Actor


class ReportedLedgerEntry(Model):
    """One line of an allied collective's ledger collection.

    The hours it says it gave to and received from the collective of `counterpart_domain`: shown as reported,
    never added to our own ledger.
    """

    id = fields.IntField(primary_key=True)
    reporter: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="reported_ledger", on_delete=fields.CASCADE
    )
    reporter_id: int
    counterpart_domain = fields.CharField(max_length=255)
    counterpart_ap_id = fields.CharField(max_length=512, default="")
    given = fields.DecimalField(max_digits=10, decimal_places=2)
    received = fields.DecimalField(max_digits=10, decimal_places=2)
    reported_at = fields.DatetimeField()  # when we read it

    class Meta:
        table = "reported_ledger_entry"
        unique_together = (("reporter", "counterpart_domain"),)
