import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0002_mutual_aid")]

    initial = False

    operations = [
        ops.CreateModel(
            name="OAuthApp",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("client_id", fields.CharField(unique=True, max_length=64)),
                ("client_secret_hash", fields.CharField(max_length=64)),
                ("name", fields.CharField(max_length=200)),
                (
                    "redirect_uris",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("scopes", fields.CharField(default="read", max_length=500)),
                ("website", fields.CharField(null=True, max_length=512)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "oauth_app",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A client application registered through POST /api/v1/apps. The client secret is kept hashed.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="OAuthCode",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("code_hash", fields.CharField(unique=True, max_length=64)),
                (
                    "app",
                    fields.ForeignKeyField(
                        "models.OAuthApp",
                        source_field="app_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="codes",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "account",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="account_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="oauth_codes",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("scopes", fields.CharField(max_length=500)),
                ("redirect_uri", fields.CharField(max_length=1000)),
                ("code_challenge", fields.CharField(null=True, max_length=128)),
                ("code_challenge_method", fields.CharField(null=True, max_length=16)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "oauth_code",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A one-time authorization code, bound to its redirect URI and PKCE challenge.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="OAuthToken",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                ("refresh_token_hash", fields.CharField(null=True, unique=True, max_length=64)),
                (
                    "app",
                    fields.ForeignKeyField(
                        "models.OAuthApp",
                        source_field="app_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="tokens",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "account",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="account_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="oauth_tokens",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("scopes", fields.CharField(max_length=500)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("last_used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "oauth_token",
                "app": "models",
                "pk_attr": "id",
                "table_description": "An access token (and its refresh token), both kept as hashes. `account` is null for client_credentials.",
            },
            bases=["Model"],
        ),
    ]
