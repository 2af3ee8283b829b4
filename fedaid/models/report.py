"""Reports (AS2 Flag) that other servers send about our members or their posts, for admins to review."""

from tortoise import fields
from tortoise.models import Model


class Report(Model):
    """A Flag received: who reported whom, which posts, and why. Admins resolve it."""

    id = fields.BigIntField(primary_key=True)
    ap_id = fields.CharField(max_length=512, unique=True)
    reporter = fields.ForeignKeyField("models.Actor", related_name="reports_sent", on_delete=fields.CASCADE)
    target = fields.ForeignKeyField(
        "models.Actor", related_name="reports_received", null=True, on_delete=fields.CASCADE
    )
    post_ap_ids = fields.JSONField(default=list)
    comment = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    resolved_at = fields.DatetimeField(null=True)

    class Meta:
        table = "report"
