"""Actors: local members, groups and the instance actor, and every remote actor we know."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class ActorType(StrEnum):
    PERSON = "Person"
    GROUP = "Group"
    APPLICATION = "Application"
    SERVICE = "Service"
    ORGANIZATION = "Organization"


class GroupKind(StrEnum):
    """What a Group is: a collective (alliances and the collective ledger are between these), a circle, or
    another server's group that is neither (a Mobilizon group, a Lemmy community, a Friendica forum)."""

    COLLECTIVE = "collective"
    CIRCLE = "circle"
    OTHER = "other"


class Actor(Model):
    """One ActivityPub actor. `ap_id` is its URL, and local actors also hold their private key."""

    id = fields.IntField(primary_key=True)
    ap_id = fields.CharField(max_length=512, unique=True)
    type = fields.CharEnumField(ActorType, max_length=16)
    group_kind = fields.CharEnumField(
        GroupKind, max_length=16, default=GroupKind.COLLECTIVE, db_default=GroupKind.COLLECTIVE.value
    )
    username = fields.CharField(max_length=255)
    domain = fields.CharField(max_length=255)
    is_local = fields.BooleanField(default=False)
    name = fields.CharField(max_length=255, default="")
    summary = fields.TextField(default="")
    url = fields.CharField(max_length=512, null=True)
    icon_url = fields.CharField(max_length=512, null=True)
    inbox = fields.CharField(max_length=512)
    shared_inbox = fields.CharField(max_length=512, null=True)
    outbox = fields.CharField(max_length=512, null=True)
    followers_url = fields.CharField(max_length=512, null=True)
    following_url = fields.CharField(max_length=512, null=True)
    key_id = fields.CharField(max_length=512, null=True, unique=True)
    public_key_pem = fields.TextField(null=True)
    private_key_pem = fields.TextField(null=True)
    manually_approves_followers = fields.BooleanField(default=False)
    discoverable = fields.BooleanField(default=True)
    moved_to = fields.CharField(max_length=512, null=True)
    published_at = fields.DatetimeField(null=True)
    fetched_at = fields.DatetimeField(null=True)
    deleted_at = fields.DatetimeField(null=True)
    silenced_at = fields.DatetimeField(null=True)  # a moderator silenced this remote account: kept out of public lists
    suspended_at = fields.DatetimeField(null=True)  # a moderator suspended this remote account: nothing of it is kept
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "actor"
        unique_together = (("username", "domain"),)

    def __str__(self) -> str:
        return f"{self.username}@{self.domain}"

    @property
    def acct(self) -> str:
        return f"{self.username}@{self.domain}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_group(self) -> bool:
        return self.type == ActorType.GROUP

    @property
    def is_collective(self) -> bool:
        """A Group that is a collective, not a coaching circle."""
        return self.type == ActorType.GROUP and self.group_kind == GroupKind.COLLECTIVE

    @property
    def delivery_inbox(self) -> str:
        """Where to POST to this actor: its server's shared inbox when it has one (ActivityPub §7.1.3)."""
        return self.shared_inbox or self.inbox
