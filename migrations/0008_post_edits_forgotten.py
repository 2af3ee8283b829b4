"""A deleted post keeps no earlier versions: a trigger empties its edit history when `deleted_at` is set,
whichever path deletes it (a member, a proposal's author, a remote Delete, an admin)."""

from tortoise import migrations
from tortoise.migrations import operations as ops

FORGET_SQL = {
    "sqlite": [
        "CREATE TRIGGER post_edit_forget_deleted AFTER UPDATE OF deleted_at ON post "
        "WHEN new.deleted_at IS NOT NULL BEGIN DELETE FROM post_edit WHERE post_id = new.id; END",
    ],
    "postgres": [
        "CREATE FUNCTION post_edit_forget() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN DELETE FROM post_edit WHERE post_id = NEW.id; RETURN NULL; END $$",
        "CREATE TRIGGER post_edit_forget_deleted AFTER UPDATE OF deleted_at ON post FOR EACH ROW "
        "WHEN (NEW.deleted_at IS NOT NULL) EXECUTE FUNCTION post_edit_forget()",
    ],
}
DROP_SQL = {
    "sqlite": ["DROP TRIGGER IF EXISTS post_edit_forget_deleted"],
    "postgres": [
        "DROP TRIGGER IF EXISTS post_edit_forget_deleted ON post",
        "DROP FUNCTION IF EXISTS post_edit_forget()",
    ],
}


async def _run_each(schema_editor, statements: list[str]) -> None:
    # Statement by statement, unsplit: the SQLite editor would cut the trigger body at its ';'.
    for statement in statements:
        if schema_editor.collect_sql:
            schema_editor.collected_sql.append(statement)
        else:
            await schema_editor.client.execute_script(statement)


async def create_trigger(apps, schema_editor) -> None:
    await _run_each(schema_editor, FORGET_SQL[schema_editor.client.capabilities.dialect])


async def drop_trigger(apps, schema_editor) -> None:
    await _run_each(schema_editor, DROP_SQL[schema_editor.client.capabilities.dialect])


class Migration(migrations.Migration):
    dependencies = [("models", "0007_reblogs_markers_edits")]

    initial = False

    operations = [
        ops.RunPython(create_trigger, drop_trigger),
    ]
