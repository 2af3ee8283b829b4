"""fedaid/domain/threads.py: the parents of replies are asked for once, up to the configured depth, and at most
PARENT_FETCHES_PER_MINUTE a minute, since strangers decide what their replies point at."""

from __future__ import annotations

from datetime import timedelta

from mutual_aid_factories import make_remote

from fedaid.clock import utcnow
from fedaid.domain import threads
from fedaid.models import Post, Visibility, WorkItem, WorkKind
from fedaid.models.ids import new_id

ORIGIN = "https://masto.example/users/alice/statuses"


async def test_a_parent_is_asked_for_once_within_the_depth(db) -> None:
    # Deeper than the setting: not asked for
    assert not await threads.ask_for_parent(f"{ORIGIN}/1", depth=6, max_depth=5)
    # Within it: queued once, with its depth
    assert await threads.ask_for_parent(f"{ORIGIN}/1", depth=5, max_depth=5)
    assert not await threads.ask_for_parent(f"{ORIGIN}/1", depth=1, max_depth=5)
    # A post we already hold is not fetched
    alice = await make_remote("alice", "masto.example")
    await Post.create(id=new_id(), ap_id=f"{ORIGIN}/2", author=alice, content="<p>2</p>",
                      visibility=Visibility.PUBLIC, published_at=utcnow())  # fmt: skip
    assert not await threads.ask_for_parent(f"{ORIGIN}/2", depth=1, max_depth=5)
    assert [(item.target, item.depth) for item in await WorkItem.filter(kind=WorkKind.FETCH_PARENT)] == [
        (f"{ORIGIN}/1", 5)
    ]


async def test_parent_fetches_are_bounded_per_minute(db) -> None:
    limit = threads.PARENT_FETCHES_PER_MINUTE
    # Given a minute in which replies asked for as many parents as allowed
    for number in range(limit):
        assert await threads.ask_for_parent(f"{ORIGIN}/{number}", depth=1, max_depth=10)
    # When one more reply asks in the same minute, it is not queued
    assert not await threads.ask_for_parent(f"{ORIGIN}/{limit}", depth=1, max_depth=10)
    assert await WorkItem.filter(kind=WorkKind.FETCH_PARENT).count() == limit
    # And once that minute has passed, it is
    await WorkItem.filter(kind=WorkKind.FETCH_PARENT).update(created_at=utcnow() - timedelta(minutes=2))
    assert await threads.ask_for_parent(f"{ORIGIN}/{limit}", depth=1, max_depth=10)
