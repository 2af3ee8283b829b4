"""Boosts (ActivityStreams Announce) of posts, by local members or of local posts by anyone."""

from tortoise import fields
from tortoise.models import Model


class Reblog(Model):
    """One actor boosting one post. `id` is time-ordered (the id of the reblog status in the client API)."""

    id = fields.BigIntField(primary_key=True)
    ap_id = fields.CharField(max_length=512, unique=True)
    actor = fields.ForeignKeyField("models.Actor", related_name="reblogs", on_delete=fields.CASCADE)
    post = fields.ForeignKeyField("models.Post", related_name="reblogs", on_delete=fields.CASCADE)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "reblog"
        unique_together = (("actor", "post"),)
