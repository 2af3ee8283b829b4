"""Signed-in browsers: one row per session, so a session ends on the server, not only in its cookie."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from fedaid.models.account import Account


class WebSession(Model):
    """A browser signed in as an account. Its cookie carries a random token, stored here as its SHA-256."""

    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="web_sessions", on_delete=fields.CASCADE
    )
    account_id: int
    user_agent = fields.CharField(max_length=255, default="")
    address = fields.CharField(max_length=45, null=True)  # as Settings.session_addresses says: full, masked, none
    created_at = fields.DatetimeField(auto_now_add=True)
    last_seen_at = fields.DatetimeField()

    class Meta:
        table = "web_session"
        indexes = (("account_id", "last_seen_at"),)  # a member's sessions, newest first; ending them all
