"""OAuth 2 clients, their authorization codes and access tokens. Secrets are stored as SHA-256 hashes only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from fedaid.models.account import Account


class OAuthApp(Model):
    """A client application registered through POST /api/v1/apps. The client secret is kept hashed."""

    id = fields.IntField(primary_key=True)
    client_id = fields.CharField(max_length=64, unique=True)
    client_secret_hash = fields.CharField(max_length=64)
    name = fields.CharField(max_length=200)
    redirect_uris: fields.JSONField[list[Any]] = fields.JSONField(default=list)
    scopes = fields.CharField(max_length=500, default="read")
    website = fields.CharField(max_length=512, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "oauth_app"


class OAuthCode(Model):
    """A one-time authorization code, bound to its redirect URI and PKCE challenge."""

    id = fields.IntField(primary_key=True)
    code_hash = fields.CharField(max_length=64, unique=True)
    app: fields.ForeignKeyRelation[OAuthApp] = fields.ForeignKeyField(
        "models.OAuthApp", related_name="codes", on_delete=fields.CASCADE
    )
    app_id: int
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="oauth_codes", on_delete=fields.CASCADE
    )
    account_id: int
    scopes = fields.CharField(max_length=500)
    redirect_uri = fields.CharField(max_length=1000)
    code_challenge = fields.CharField(max_length=128, null=True)
    code_challenge_method = fields.CharField(max_length=16, null=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "oauth_code"


class OAuthToken(Model):
    """An access token (and its refresh token), both kept as hashes. `account` is null for client_credentials."""

    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    refresh_token_hash = fields.CharField(max_length=64, unique=True, null=True)
    app: fields.ForeignKeyRelation[OAuthApp] = fields.ForeignKeyField(
        "models.OAuthApp", related_name="tokens", on_delete=fields.CASCADE
    )
    app_id: int
    account: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="oauth_tokens", null=True, on_delete=fields.CASCADE
    )
    account_id: int | None
    scopes = fields.CharField(max_length=500)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)
    expires_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "oauth_token"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
