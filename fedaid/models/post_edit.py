"""Earlier versions of edited local posts, for the client API's edit history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from fedaid.models.post import Post


class PostEdit(Model):
    """A post's text as it stood until `replaced_at`, when an edit replaced it."""

    id = fields.BigIntField(primary_key=True)
    post: fields.ForeignKeyRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="edits", on_delete=fields.CASCADE
    )
    post_id: int
    content = fields.TextField(default="")
    summary = fields.TextField(default="")
    sensitive = fields.BooleanField(default=False)
    written_at = fields.DatetimeField()
    replaced_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "post_edit"
