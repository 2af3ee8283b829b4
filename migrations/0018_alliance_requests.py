"""Alliance requests get their own notification kind for admins (`admin.alliance`): every request waits for one.

Alliances that exist are pairs of accepted follows and stay as they are.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from fedaid.models.notification import NotificationKind


class AlterFieldDescription(ops.AlterField):
    """Only the enum's list of values changes: nothing to do in the database (no table rebuild on SQLite)."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        return None

    async def database_backward(self, app_label, old_state, new_state, state_editor=None) -> None:
        return None


class Migration(migrations.Migration):
    dependencies = [("models", "0017_members_visibility")]

    initial = False

    operations = [
        AlterFieldDescription(
            model_name="Notification",
            name="kind",
            field=fields.CharEnumField(
                description="FOLLOW: follow\nFOLLOW_REQUEST: follow_request\nMENTION: mention\nREBLOG: reblog\n"
                "FAVOURITE: favourite\nRESPONSE: response\nMATCH: match\nAGREEMENT: agreement\nEXCHANGE: exchange\n"
                "SESSION: session\nSESSION_REMINDER: session.reminder\nSESSION_FOLLOW_UP: session.follow_up\n"
                "MENTORING: mentoring\nPOLL: poll\nDEMAND: demand\nADMIN_REPORT: admin.report\n"
                "ADMIN_ALLIANCE: admin.alliance\nADMIN_SIGN_UP: admin.sign_up",
                enum_type=NotificationKind,
                max_length=32,
            ),
        ),
    ]
