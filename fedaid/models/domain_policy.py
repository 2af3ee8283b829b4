"""Admins' decisions about other servers: allow, silence or block a domain."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class PolicyKind(StrEnum):
    ALLOW = "allow"
    SILENCE = "silence"
    BLOCK = "block"


class DomainPolicy(Model):
    id = fields.IntField(primary_key=True)
    domain = fields.CharField(max_length=255, unique=True)
    kind = fields.CharEnumField(PolicyKind, max_length=16)
    reason = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "domain_policy"
