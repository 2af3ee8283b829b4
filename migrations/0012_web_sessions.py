"""Signed-in browsers as rows (web_session), so sign-out, password changes and suspensions end sessions on
the server: a copied cookie stops working with its row."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0011_coaching_circles")]

    initial = False

    operations = [
        ops.CreateModel(
            name="WebSession",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                (
                    "account",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="account_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="web_sessions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("user_agent", fields.CharField(default="", max_length=255)),
                ("address", fields.CharField(null=True, max_length=45)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("last_seen_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "web_session",
                "app": "models",
                "indexes": [Index(fields=["account_id", "last_seen_at"])],
                "pk_attr": "id",
                "table_description": "A browser signed in as an account. Its cookie carries a random token, stored here as its SHA-256.",
            },
            bases=["Model"],
        ),
    ]
