"""Names already stored lose their control, bidi and other invisible format characters, as every name saved
from now on does (fedaid.activitypub.sanitize.clean_display_name; the rule is copied here as it stood, so
this step keeps its meaning when that function changes)."""

import unicodedata

from tortoise import migrations
from tortoise.migrations import operations as ops

_KEPT_FORMAT = frozenset("\u200c\u200d")


def _clean(text: str) -> str:
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp"):
            kept.append(" ")
        elif category != "Cf" or char in _KEPT_FORMAT:
            kept.append(char)
    return " ".join("".join(kept).split())


async def clean_names(apps, schema_editor) -> None:
    if schema_editor.collect_sql:  # `sqlmigrate`: a data step has no SQL to show in advance
        return
    client = schema_editor.client
    placeholders = ("$1", "$2") if client.capabilities.dialect == "postgres" else ("?", "?")
    rows = await client.execute_query_dict("SELECT id, name, username FROM actor")
    for row in rows:
        name = row["name"] or ""
        cleaned = _clean(name)[:255] or row["username"]
        if cleaned != name and name:
            await client.execute_query(
                f"UPDATE actor SET name = {placeholders[0]} WHERE id = {placeholders[1]}", [cleaned, row["id"]]
            )


async def keep_names(apps, schema_editor) -> None:
    """Nothing to undo: the characters removed carried no meaning a reader could see."""


class Migration(migrations.Migration):
    dependencies = [("models", "0013_demands_and_polls")]

    initial = False

    operations = [
        ops.RunPython(clean_names, keep_names),
    ]
