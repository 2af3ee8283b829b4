"""Coaching circles: a Group actor of kind `circle` with its timezone, topics, openness and facilitators."""

from tortoise import fields
from tortoise.models import Model


class Circle(Model):
    """What a circle holds beside its Group actor. Its members are the accepted follows of that actor."""

    id = fields.IntField(primary_key=True)
    actor = fields.OneToOneField("models.Actor", related_name="circle", on_delete=fields.CASCADE)
    timezone = fields.CharField(max_length=64, default="Europe/Paris")
    topics = fields.JSONField(default=list)  # category slugs from the coaching family
    is_open = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "circle"


class CircleFacilitator(Model):
    id = fields.IntField(primary_key=True)
    circle = fields.ForeignKeyField("models.Circle", related_name="facilitators", on_delete=fields.CASCADE)
    actor = fields.ForeignKeyField("models.Actor", related_name="facilitates", on_delete=fields.CASCADE)

    class Meta:
        table = "circle_facilitator"
        unique_together = (("circle", "actor"),)
