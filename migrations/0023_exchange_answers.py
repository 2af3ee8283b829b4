"""An exchange records how each side confirmed it (here, by activity, by a Like or a reply to our note), the note
asking a party who can only post to confirm, and a dispute."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from fedaid.models.exchange import ConfirmationWay


class Migration(migrations.Migration):
    dependencies = [("models", "0022_account_moderation")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Exchange",
            name="provider_confirmed_via",
            field=fields.CharEnumField(
                description="HERE: here\nACTIVITY: activity\nLIKE: like\nREPLY: reply",
                enum_type=ConfirmationWay,
                null=True,
                max_length=16,
            ),
        ),
        ops.AddField(
            model_name="Exchange",
            name="receiver_confirmed_via",
            field=fields.CharEnumField(
                description="HERE: here\nACTIVITY: activity\nLIKE: like\nREPLY: reply",
                enum_type=ConfirmationWay,
                null=True,
                max_length=16,
            ),
        ),
        ops.AddField(
            model_name="Exchange",
            name="confirmation_note",
            field=fields.ForeignKeyField(
                "models.Post",
                source_field="confirmation_note_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="confirmation_requests",
                on_delete=OnDelete.SET_NULL,
            ),
        ),
        ops.AddField(
            model_name="Exchange",
            name="disputed_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="Exchange",
            name="dispute_ap_id",
            field=fields.CharField(null=True, max_length=512),
        ),
    ]
