"""What the collective's about page says besides its name and summary: its rules and how to reach it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from fedaid.models.actor import Actor
    from fedaid.models.media import MediaAttachment


class CollectivePage(Model):
    """One row per local collective Group, edited by its admins. Rules and contact are plain text."""

    id = fields.IntField(primary_key=True)
    collective: fields.OneToOneRelation[Actor] = fields.OneToOneField(
        "models.Actor", related_name="page", on_delete=fields.CASCADE
    )
    collective_id: int
    rules = fields.TextField(default="")
    contact = fields.TextField(default="")
    # open, approval or invite, as an admin set it on the web; empty: FEDAID_REGISTRATION_MODE holds.
    registration_mode = fields.CharField(max_length=16, default="", db_default="")
    # The look of the pages (domain/theme.py): "#rrggbb" colours, empty for fedaid's own, and an uploaded logo.
    accent_color = fields.CharField(max_length=7, default="", db_default="")
    link_color = fields.CharField(max_length=7, default="", db_default="")
    logo: fields.ForeignKeyNullableRelation[MediaAttachment] = fields.ForeignKeyField(
        "models.MediaAttachment", related_name="collective_logos", null=True, on_delete=fields.SET_NULL
    )
    logo_id: int | None
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "collective_page"
