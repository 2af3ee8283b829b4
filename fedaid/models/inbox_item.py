"""The inbound queue: verified activities waiting to be applied by a worker."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model


class InboxState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class InboxItem(Model):
    """One accepted activity, stored before the inbox answers 202."""

    id = fields.BigIntField(primary_key=True)
    activity_id = fields.CharField(max_length=512, unique=True)
    activity_type = fields.CharField(max_length=64)
    actor_ap_id = fields.CharField(max_length=512)
    signed_by = fields.CharField(max_length=512, default="")
    payload: fields.JSONField[dict[str, Any]] = fields.JSONField()
    state = fields.CharEnumField(InboxState, max_length=16, default=InboxState.PENDING)
    attempts = fields.IntField(default=0)
    last_error = fields.TextField(default="")
    received_at = fields.DatetimeField(auto_now_add=True)
    next_attempt_at = fields.DatetimeField()
    claimed_until = fields.DatetimeField(null=True)
    processed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "inbox_item"
        # One index serves the worker's claim (pending and due) and the admin's counts by state; the
        # inbox pays for each index on every row it stores.
        indexes = (("state", "next_attempt_at"),)
