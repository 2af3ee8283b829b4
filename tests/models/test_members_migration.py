"""Migration 0016 on a filled 0015 database: members-only posts that `followers` stood for become `members`,
and every post's mentions get their rows."""

from __future__ import annotations

from tortoise.migrations.executor import MigrationExecutor, MigrationTarget

from fedaid.db import Database, tortoise_config

ACTORS = [
    # id, ap_id, type, username, domain, is_local, followers_url
    (1, "https://here.example/c/aid", "Group", "aid", "here.example", True, "https://here.example/c/aid/followers"),
    (2, "https://here.example/u/ana", "Person", "ana", "here.example", True, None),
    (3, "https://ally.example/c/ally", "Group", "ally", "ally.example", False, "https://ally.example/c/ally/followers"),
    (4, "https://ally.example/u/bo", "Person", "bo", "ally.example", False, None),
    (5, "https://masto.example/users/cy", "Person", "cy", "masto.example", False, "https://masto.example/users/cy/f"),
]
POSTS = [
    # id, author, is_local, visibility, audience, mentions, addressed_to
    (10, 2, True, "followers", "https://here.example/c/aid", '["https://masto.example/users/cy"]', "[]"),
    (11, 2, True, "followers", None, "[]", "[]"),
    (12, 4, False, "followers", None, "[]", '["https://ally.example/c/ally/followers"]'),
    (13, 5, False, "followers", None, '["https://here.example/u/ana"]', '["https://masto.example/users/cy/f"]'),
    (14, 2, True, "public", "https://here.example/c/aid", "[]", "[]"),
]


async def test_followers_posts_meant_for_members_become_members(empty_database: Database) -> None:
    db = empty_database
    connection = db.context.db()
    executor = MigrationExecutor(connection, tortoise_config(db.url)["apps"])
    with db.context:
        await executor.migrate([MigrationTarget("models", "0015_rate_limit")])

    # Given a 0015 database: our collective allied with ally.example's, and posts of each kind
    for row in ACTORS:
        await connection.execute_query(
            "INSERT INTO actor (id, ap_id, type, username, domain, is_local, inbox, followers_url, name, summary, "
            "manually_approves_followers, discoverable, group_kind, created_at) "
            f"VALUES ({row[0]}, '{row[1]}', '{row[2]}', '{row[3]}', '{row[4]}', {'TRUE' if row[5] else 'FALSE'}, "
            f"'{row[1]}/inbox', {repr(row[6]) if row[6] else 'NULL'}, '', '', FALSE, TRUE, 'collective', "
            "CURRENT_TIMESTAMP)"
        )
    for follower, target in ((1, 3), (3, 1)):
        await connection.execute_query(
            f"INSERT INTO follow (follower_id, target_id, state, created_at) VALUES ({follower}, {target}, "
            "'accepted', CURRENT_TIMESTAMP)"
        )
    for post_id, author, is_local, visibility, audience, mentions, addressed in POSTS:
        await connection.execute_query(
            "INSERT INTO post (id, ap_id, author_id, is_local, content, summary, sensitive, visibility, audience, "
            "mentions, addressed_to, published_at, created_at) "
            f"VALUES ({post_id}, 'https://x.example/{post_id}', {author}, {'TRUE' if is_local else 'FALSE'}, '', '', "
            f"FALSE, '{visibility}', {repr(audience) if audience else 'NULL'}, '{mentions}', '{addressed}', "
            "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        )

    # When it migrates
    await db.migrate()

    # Then the members-only ones are `members`, a plain followers-only post stays, and mentions have rows
    _, rows = await connection.execute_query("SELECT id, visibility FROM post ORDER BY id")
    assert {row["id"]: row["visibility"] for row in rows} == {
        10: "members",
        11: "followers",
        12: "members",
        13: "followers",
        14: "public",
    }
    _, rows = await connection.execute_query("SELECT post_id, ap_id FROM post_mention ORDER BY post_id")
    assert [(row["post_id"], row["ap_id"]) for row in rows] == [
        (10, "https://masto.example/users/cy"),
        (13, "https://here.example/u/ana"),
    ]
