"""Local logins bound to a Person actor, and the invitations that create them."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from fedaid.models.actor import Actor


class AccountRole(StrEnum):
    MEMBER = "member"
    ORGANISER = "organiser"  # publishes the collective's demands and moves them along
    MODERATOR = "moderator"
    ADMIN = "admin"


class AccountState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    SUSPENDED = "suspended"


class Account(Model):
    """A member who signs in here. The password is an argon2id hash, never the password."""

    id = fields.IntField(primary_key=True)
    actor: fields.OneToOneRelation[Actor] = fields.OneToOneField(
        "models.Actor", related_name="account", on_delete=fields.CASCADE
    )
    actor_id: int
    email = fields.CharField(max_length=320, unique=True)
    password_hash = fields.CharField(max_length=255, default="")
    role = fields.CharEnumField(AccountRole, max_length=16, default=AccountRole.MEMBER)
    state = fields.CharEnumField(AccountState, max_length=16, default=AccountState.APPROVED)
    locale = fields.CharField(max_length=16, default="fr")
    mail_choices = fields.JSONField(default=dict, db_default="{}")  # mail group → "immediately" | "daily" | "never"
    sign_up_reason = fields.TextField(default="", db_default="")  # what an applicant wrote, in approval mode
    # False from a sign-up that must confirm its address (FEDAID_EMAIL_CONFIRMATION) until the link is opened.
    email_confirmed = fields.BooleanField(default=True, db_default=True)
    digest_sent_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "account"

    @property
    def is_admin(self) -> bool:
        return self.role == AccountRole.ADMIN

    @property
    def is_organiser(self) -> bool:
        """Admins and organisers publish demands and change their status."""
        return self.role in (AccountRole.ADMIN, AccountRole.ORGANISER)


class Invite(Model):
    """A one-time sign-up link. Only the SHA-256 of its token is stored."""

    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    role = fields.CharEnumField(AccountRole, max_length=16, default=AccountRole.MEMBER)
    created_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="invites", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    used_at = fields.DatetimeField(null=True)
    expires_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "invite"


class TokenPurpose(StrEnum):
    RESET_PASSWORD = "reset_password"
    CONFIRM_EMAIL = "confirm_email"


class AccountToken(Model):
    """A one-time link mailed to a member (password reset, address confirmation). Only the SHA-256 of its
    token is stored; `used_at` is set by the one request that uses it."""

    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="tokens", on_delete=fields.CASCADE
    )
    account_id: int
    purpose = fields.CharEnumField(TokenPurpose, max_length=16)
    token_hash = fields.CharField(max_length=64, unique=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "account_token"
