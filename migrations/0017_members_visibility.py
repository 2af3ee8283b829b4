"""A `members` visibility apart from `followers`, and one row per mentioned actor (`post_mention`).

Until now `followers` also stood for "members only": a local post addressed to our collective, or a received
post addressed to the followers of an allied collective. Those become `members`; mentions are copied from
`post.mentions` so the visibility rule can filter on them in the database.
"""

import json

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from fedaid.models.post import Visibility

CHUNK = 500


class AlterFieldDescription(ops.AlterField):
    """Only the field's description (the enum's list of values) changes: nothing to do in the database. Tortoise's
    AlterField rebuilds the table on SQLite, which would drop the triggers on `post` (migrations 0002 and 0008)."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        return None

    async def database_backward(self, app_label, old_state, new_state, state_editor=None) -> None:
        return None


async def _rows(client, sql: str) -> list[dict]:
    _, rows = await client.execute_query(sql)
    return [dict(row) for row in rows]


def _as_list(value) -> list:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return value if isinstance(value, list) else []


def _quoted(values) -> str:
    return ",".join("'" + str(value).replace("'", "''") + "'" for value in values)


async def _set_members(client, post_ids: list[int]) -> None:
    for start in range(0, len(post_ids), CHUNK):
        ids = ",".join(str(int(i)) for i in post_ids[start : start + CHUNK])
        await client.execute_script(f"UPDATE post SET visibility = 'members' WHERE id IN ({ids})")


async def members_from_followers(apps, schema_editor) -> None:
    client = schema_editor.client
    if schema_editor.collect_sql:
        return
    groups = await _rows(
        client, "SELECT ap_id FROM actor WHERE is_local = TRUE AND type = 'Group' AND group_kind = 'collective'"
    )
    if groups:
        local = await _rows(
            client,
            "SELECT id FROM post WHERE is_local = TRUE AND visibility = 'followers' "
            f"AND audience IN ({_quoted(row['ap_id'] for row in groups)})",
        )
        await _set_members(client, [row["id"] for row in local])
    allied = await _rows(
        client,
        "SELECT g.followers_url FROM actor g WHERE g.is_local = FALSE AND g.type = 'Group' "
        "AND g.group_kind = 'collective' "
        "AND g.followers_url IS NOT NULL "
        "AND EXISTS (SELECT 1 FROM follow f JOIN actor o ON o.id = f.target_id "
        "WHERE f.follower_id = g.id AND f.state = 'accepted' AND o.is_local = TRUE) "
        "AND EXISTS (SELECT 1 FROM follow f JOIN actor o ON o.id = f.follower_id "
        "WHERE f.target_id = g.id AND f.state = 'accepted' AND o.is_local = TRUE)",
    )
    urls = {row["followers_url"] for row in allied}
    if urls:
        remote = await _rows(
            client, "SELECT id, addressed_to FROM post WHERE is_local = FALSE AND visibility = 'followers'"
        )
        await _set_members(client, [row["id"] for row in remote if urls & set(_as_list(row["addressed_to"]))])
    await _copy_mentions(client)


async def _copy_mentions(client) -> None:
    posts = await _rows(client, "SELECT id, mentions FROM post WHERE mentions IS NOT NULL")
    pairs = [
        (row["id"], ap_id[:512])
        for row in posts
        for ap_id in dict.fromkeys(_as_list(row["mentions"]))
        if isinstance(ap_id, str) and ap_id
    ]
    for start in range(0, len(pairs), CHUNK):
        values = ",".join(f"({int(post_id)}, {_quoted([ap_id])})" for post_id, ap_id in pairs[start : start + CHUNK])
        await client.execute_script(f"INSERT INTO post_mention (post_id, ap_id) VALUES {values}")


async def followers_from_members(apps, schema_editor) -> None:
    if not schema_editor.collect_sql:
        await schema_editor.client.execute_script(
            "UPDATE post SET visibility = 'followers' WHERE visibility = 'members'"
        )


class Migration(migrations.Migration):
    dependencies = [("models", "0016_mail_push_jobs")]

    initial = False

    operations = [
        ops.CreateModel(
            name="PostMention",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "post",
                    fields.ForeignKeyField(
                        "models.Post",
                        source_field="post_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="mention_rows",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("ap_id", fields.CharField(db_index=True, max_length=512)),
            ],
            options={
                "table": "post_mention",
                "app": "models",
                "unique_together": (("post", "ap_id"),),
                "pk_attr": "id",
                "table_description": (
                    "One actor a post mentions, by AP id (known or not): who sees followers-only and direct posts."
                ),
            },
            bases=["Model"],
        ),
        AlterFieldDescription(
            model_name="Post",
            name="visibility",
            field=fields.CharEnumField(
                default=Visibility.PUBLIC,
                db_index=True,
                description="PUBLIC: public\nUNLISTED: unlisted\nFOLLOWERS: followers\nMEMBERS: members\nDIRECT: direct",
                enum_type=Visibility,
                max_length=16,
            ),
        ),
        ops.RunPython(members_from_followers, followers_from_members),
    ]
