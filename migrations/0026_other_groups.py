"""Other servers' Groups that are not fedaid collectives (Mobilizon groups, Lemmy communities) get a kind of
their own, `other`, so they never count as allies nor in the ledger between collectives. Rows already stored
were all marked collectives: those that never followed one of our collectives (as a fedaid collective asking
to ally does) become `other`; the next fetch of each actor reads its `groupKind` anyway."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from fedaid.models.actor import GroupKind

RECLASSIFY = (
    "UPDATE actor SET group_kind = 'other' WHERE is_local = FALSE AND type = 'Group' AND group_kind = 'collective'"
    " AND id NOT IN (SELECT follow.follower_id FROM follow JOIN actor AS ours ON ours.id = follow.target_id"
    " WHERE ours.is_local = TRUE AND ours.type = 'Group' AND ours.group_kind = 'collective')"
)


class DescribeField(ops.AlterField):
    """Only the field's description changes (a third value in the same varchar column): nothing to do in the
    database. On SQLite an AlterField remakes the whole actor table, and dropping it cascades to every row
    that names an actor."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        return None

    async def database_backward(self, app_label, old_state, new_state, state_editor=None) -> None:
        return None


async def reclassify(apps, schema_editor) -> None:
    if schema_editor.collect_sql:  # `sqlmigrate`: a data step has no SQL to show in advance
        return
    await schema_editor.client.execute_script(RECLASSIFY)


async def keep(apps, schema_editor) -> None:
    """Nothing to undo: `other` rows read as collectives again only if the column goes back to two values."""


class Migration(migrations.Migration):
    dependencies = [("models", "0025_reported_ledgers")]

    initial = False

    operations = [
        DescribeField(
            model_name="Actor",
            name="group_kind",
            field=fields.CharEnumField(
                default=GroupKind.COLLECTIVE,
                description="COLLECTIVE: collective\nCIRCLE: circle\nOTHER: other",
                db_default="collective",
                enum_type=GroupKind,
                max_length=16,
            ),
        ),
        ops.RunPython(reclassify, keep),
    ]
