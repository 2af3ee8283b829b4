"""One-time links mailed to members (`account_token`: password resets, address confirmations), an applicant's
reason, whether an address is confirmed, and the registration mode an admin chose on the web.
"""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from fedaid.models.account import TokenPurpose


class Migration(migrations.Migration):
    dependencies = [("models", "0018_alliance_requests")]

    initial = False

    operations = [
        ops.CreateModel(
            name="AccountToken",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "account",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="account_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="tokens",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "purpose",
                    fields.CharEnumField(
                        description="RESET_PASSWORD: reset_password\nCONFIRM_EMAIL: confirm_email",
                        enum_type=TokenPurpose,
                        max_length=16,
                    ),
                ),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "account_token",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A one-time link mailed to a member (password reset, address confirmation). Only the SHA-256 of its",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Account",
            name="email_confirmed",
            field=fields.BooleanField(default=True, db_default=True),
        ),
        ops.AddField(
            model_name="Account",
            name="sign_up_reason",
            field=fields.TextField(default="", db_default="", unique=False),
        ),
        ops.AddField(
            model_name="CollectivePage",
            name="registration_mode",
            field=fields.CharField(default="", db_default="", max_length=16),
        ),
    ]
