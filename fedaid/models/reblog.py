"""Boosts (ActivityStreams Announce) of posts, by local members or of local posts by anyone."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from fedaid.models.actor import Actor
    from fedaid.models.post import Post


class Reblog(Model):
    """One actor boosting one post. `id` is time-ordered (the id of the reblog status in the client API)."""

    id = fields.BigIntField(primary_key=True)
    ap_id = fields.CharField(max_length=512, unique=True)
    actor: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="reblogs", on_delete=fields.CASCADE
    )
    actor_id: int
    post: fields.ForeignKeyRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="reblogs", on_delete=fields.CASCADE
    )
    post_id: int
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "reblog"
        unique_together = (("actor", "post"),)
