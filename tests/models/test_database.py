"""The schema, its migrations and the per-instance database contexts, on both backends."""


from fedaid.db import Database
from fedaid.models import Actor, ActorType


async def test_second_migrate_changes_nothing(db: Database) -> None:
    # Given a database the fixture already migrated
    # When migrations run again
    applied = await db.migrate()
    # Then nothing is applied
    assert applied == []


async def test_two_instances_keep_separate_rows(make_database) -> None:
    first, second = await make_database(), await make_database()
    with first.active():
        await Actor.create(ap_id="https://a.example/u/ana", type=ActorType.PERSON, username="ana",
                           domain="a.example", inbox="https://a.example/u/ana/inbox")
    with second.active():
        assert await Actor.all().count() == 0
    with first.active():
        assert await Actor.filter(username="ana").count() == 1
