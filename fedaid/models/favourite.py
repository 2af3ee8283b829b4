"""Likes (Mastodon's favourites) of posts, local or remote, by any actor."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from fedaid.models.actor import Actor
    from fedaid.models.post import Post


class Favourite(Model):
    """One actor liking one post, kept so that an Undo(Like) can take it back."""

    id = fields.BigIntField(primary_key=True)
    ap_id = fields.CharField(max_length=512, null=True, unique=True)
    actor: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="favourites", on_delete=fields.CASCADE
    )
    actor_id: int
    post: fields.ForeignKeyRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="favourites", on_delete=fields.CASCADE
    )
    post_id: int
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "favourite"
        unique_together = (("actor", "post"),)
