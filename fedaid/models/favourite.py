"""Likes (Mastodon's favourites) of posts, local or remote, by any actor."""

from tortoise import fields
from tortoise.models import Model


class Favourite(Model):
    """One actor liking one post, kept so that an Undo(Like) can take it back."""

    id = fields.BigIntField(primary_key=True)
    ap_id = fields.CharField(max_length=512, null=True, unique=True)
    actor = fields.ForeignKeyField("models.Actor", related_name="favourites", on_delete=fields.CASCADE)
    post = fields.ForeignKeyField("models.Post", related_name="favourites", on_delete=fields.CASCADE)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "favourite"
        unique_together = (("actor", "post"),)
