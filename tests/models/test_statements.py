"""The fixed statements of the hot paths store and read rows exactly as the ORM does (`storage/statements.py`)."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from fedaid.db import Database
from fedaid.models import Actor, ActorType, InboxItem, InboxState, Post, PostTag, Visibility
from fedaid.storage.claims import settle
from fedaid.storage.statements import unsaved, values_in

PUBLISHED = datetime(2026, 12, 7, 12, 30, 15, 250000, tzinfo=UTC)


async def author() -> Actor:
    return await Actor.create(
        ap_id="https://remote.example/users/ana",
        type=ActorType.PERSON,
        username="ana",
        domain="remote.example",
        inbox="https://remote.example/users/ana/inbox",
    )


def post_fields(number: int, writer: Actor) -> dict:
    return {
        "id": 1_000 + number,
        "ap_id": f"https://remote.example/notes/{number}",
        "is_local": False,
        "content": "<p>Un vélo à réparer</p>",
        "visibility": Visibility.UNLISTED,
        "mentions": ["https://remote.example/users/bo"],
        "addressed_to": ["https://www.w3.org/ns/activitystreams#Public"],
        "published_at": PUBLISHED,
    }


def stored(post: Post) -> dict:
    return {name: getattr(post, name) for name in Post._meta.fields_db_projection if name != "id"}


async def test_a_row_built_without_init_is_stored_and_read_back_as_the_orm_builds_it(db: Database) -> None:
    # Given the same post built by Model.__init__ and by `unsaved`, each other field left to its default
    writer = await author()
    by_init = Post(author=writer, **post_fields(1, writer))
    fast = unsaved(Post, author_id=writer.id, **post_fields(2, writer))
    # When both are inserted in one batch, with a hashtag row of each kind
    async with in_transaction():
        await Post.bulk_create([by_init, fast])
        await PostTag.bulk_create(
            [PostTag(post_id=by_init.id, name="velo"), unsaved(PostTag, post_id=fast.id, name="velo")]
        )
    # Then the database holds the same values for both (defaults, enums, JSON, dates), its id the one given
    first, second = await Post.get(id=1_001), await Post.get(id=1_002)
    assert {**stored(first), "ap_id": "", "created_at": None} == {**stored(second), "ap_id": "", "created_at": None}
    assert second.created_at is not None and second.visibility == Visibility.UNLISTED
    assert second.published_at == PUBLISHED and second.mentions == ["https://remote.example/users/bo"]
    assert await PostTag.filter(name="velo").order_by("post_id").values_list("post_id", flat=True) == [1_001, 1_002]
    # And rows built only this way keep the ids given, in a batch of their own and saved one at a time
    async with in_transaction():
        await Post.bulk_create([unsaved(Post, author_id=writer.id, **post_fields(3, writer))])
        await unsaved(Post, author_id=writer.id, **post_fields(4, writer)).save(force_create=True)
    assert await values_in(Post, "id", [1_003, 1_004]) == {1_003, 1_004}
    # And a default that is a fresh list is not shared between rows
    assert unsaved(Post, author_id=writer.id, id=3).mentions is not unsaved(Post, author_id=writer.id, id=4).mentions


async def test_values_in_and_settle_read_and_write_what_the_orm_would(db: Database) -> None:
    writer = await author()
    await Post.create(author=writer, **post_fields(1, writer))
    # Which of these addresses are stored, in and out of a transaction
    asked = ["https://remote.example/notes/1", "https://remote.example/notes/9"]
    assert await values_in(Post, "ap_id", asked) == {"https://remote.example/notes/1"}
    async with in_transaction():
        assert await values_in(Post, "id", [1_001, 1_002]) == {1_001}
    assert await values_in(Post, "id", []) == set()
    # A batch's outcome, with a date and an empty lease, as the ORM reads it back
    items = [
        await InboxItem.create(
            id=n + 1,
            activity_id=f"https://remote.example/a/{n}",
            activity_type="Create",
            actor_ap_id=writer.ap_id,
            payload={},
            next_attempt_at=PUBLISHED,
        )
        for n in range(3)
    ]
    await settle(InboxItem, [items[0].id, items[2].id], {"state": InboxState.DONE.value, "processed_at": PUBLISHED})
    done = await InboxItem.filter(state=InboxState.DONE).order_by("id")
    assert [item.id for item in done] == [items[0].id, items[2].id]
    assert all(item.processed_at == PUBLISHED for item in done)
    assert await InboxItem.filter(state=InboxState.DONE, processed_at__gte=PUBLISHED).count() == 2
