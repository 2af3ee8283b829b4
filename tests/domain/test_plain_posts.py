"""Tests for fedaid/domain/plain_posts.py: which received posts are plain, and that a batch of them leaves the
same rows as `remote_posts.store_remote_note` leaves for each one alone."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from mutual_aid_factories import follow, make_local, make_remote
from tortoise.transactions import in_transaction

from fedaid.activitypub.parse import parse_note
from fedaid.activitypub.parse.inbound import PostCreated
from fedaid.db import Database
from fedaid.domain import plain_posts, remote_posts
from fedaid.domain.inbound import Incoming
from fedaid.domain.policy import DomainPolicies
from fedaid.domain.search import SearchFilters, search
from fedaid.models import Actor, Notification, Post, PostMention, PostTag, Visibility
from fedaid.models.ids import new_id

AS_PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
COLLECTIVE = "https://aid.example/c/drivers"


@pytest.fixture
async def ana(db: Database) -> Actor:
    return await make_local("ana")


@pytest.fixture
async def alice(ana: Actor) -> Actor:
    alice = await make_remote("alice", "mastodon.example")
    await follow(ana, alice)
    return alice


def note_of(alice: Actor, number: int, **changes: Any) -> dict[str, Any]:
    doc = {
        "id": f"{alice.ap_id}/statuses/{number}",
        "type": "Note",
        "attributedTo": alice.ap_id,
        "content": f"<p>Qui a une perceuse à prêter ? n°{number} #bricolage @ana</p>",
        "published": "2026-03-01T12:00:00Z",
        "to": [AS_PUBLIC],
        "cc": [alice.followers_url, "https://aid.example/u/ana"],
        "tag": [
            {"type": "Hashtag", "name": "#bricolage", "href": "https://mastodon.example/tags/bricolage"},
            {"type": "Mention", "name": "@ana@aid.example", "href": "https://aid.example/u/ana"},
        ],
    }
    return doc | changes


def incoming(alice: Actor, *, followed: bool = True) -> Incoming:
    return Incoming(
        alice,
        remote=None,  # type: ignore[arg-type]  # plain_post never reaches the network
        policies=DomainPolicies(),
        federation_mode="open",
        outside_proposals=True,
        collective_ap_id=COLLECTIVE,
        followed_senders=frozenset({alice.ap_id} if followed else ()),
    )


def plain(alice: Actor, doc: dict[str, Any], *, followed: bool = True) -> plain_posts.PlainPost | None:
    note = parse_note(doc, followers_url=alice.followers_url)
    return plain_posts.plain_post(incoming(alice, followed=followed), PostCreated(ap_id=doc["id"], note=note))


async def rows_of(post: Post) -> dict[str, Any]:
    """What a stored post amounts to, without its ids."""
    return {
        "fields": {
            name: getattr(post, name)
            for name in (
                "author_id",
                "is_local",
                "summary",
                "sensitive",
                "language",
                "visibility",
                "audience",
                "mentions",
                "published_at",
                "in_reply_to_id",
            )
        }
        | {"content": post.content.replace(post.ap_id.rsplit("/", 1)[1], "N"), "addressed_to": post.addressed_to},
        "tags": sorted(await PostTag.filter(post_id=post.id).values_list("name", flat=True)),
        "mentions": sorted(await PostMention.filter(post_id=post.id).values_list("ap_id", flat=True)),
        "notifications": sorted(await Notification.filter(post_id=post.id).values_list("kind", flat=True)),
    }


async def test_a_batch_leaves_the_rows_each_post_alone_would(ana: Actor, alice: Actor) -> None:
    # Given two posts of a followed author, one kept by the batch, its twin one at a time
    batch = [plain(alice, note_of(alice, 1)), plain(alice, note_of(alice, 3, to=[alice.followers_url], cc=[AS_PUBLIC]))]
    assert all(batch)
    kept = await plain_posts.keep_plain_posts([item for item in batch if item is not None])
    for doc in (note_of(alice, 2), note_of(alice, 4, to=[alice.followers_url], cc=[AS_PUBLIC])):
        note = parse_note(doc, followers_url=alice.followers_url)
        await remote_posts.store_remote_note(note, alice, visibility=await remote_posts.visibility_for(note))
    # Then both ways leave the same post, tags, mentions and notification
    assert kept == 2
    posts = {post.ap_id.rsplit("/", 1)[1]: post for post in await Post.all()}
    for batched, alone in (("1", "2"), ("3", "4")):
        assert await rows_of(posts[batched]) == await rows_of(posts[alone])
    assert (await rows_of(posts["1"]))["notifications"] == ["mention"]
    assert posts["3"].visibility == Visibility.UNLISTED
    # And the batch's posts are found by search as the others are
    found = {hit.post.ap_id.rsplit("/", 1)[1] for hit in await search("perceuse", SearchFilters())}
    assert found == {"1", "2"}  # the unlisted ones are not listed


async def test_a_batch_is_idempotent_and_keeps_one_post_per_id(ana: Actor, alice: Actor) -> None:
    item = plain(alice, note_of(alice, 1))
    assert item is not None
    assert await plain_posts.keep_plain_posts([item, item]) == 1
    assert await plain_posts.keep_plain_posts([item]) == 0
    assert await Post.all().count() == 1 and await PostTag.all().count() == 1


async def test_posts_published_in_one_millisecond_get_distinct_ids(ana: Actor, alice: Actor) -> None:
    batch = [plain(alice, note_of(alice, number)) for number in range(300)]
    assert await plain_posts.keep_plain_posts([item for item in batch if item is not None]) == 300
    assert len(set(await Post.all().values_list("id", flat=True))) == 300


async def test_posts_given_to_the_second_get_ids_across_that_second(ana: Actor, alice: Actor) -> None:
    # Given 300 posts published in one second as Mastodon writes it (no milliseconds), and one with milliseconds
    batch = [plain(alice, note_of(alice, number)) for number in range(300)]
    precise = plain(alice, note_of(alice, 300, published="2026-03-01T12:00:00.123Z"))
    await plain_posts.keep_plain_posts([item for item in [*batch, precise] if item is not None])
    # Then the seconds' ids spread over its thousand milliseconds, and the precise one keeps its millisecond
    second = int(datetime(2026, 3, 1, 12, tzinfo=UTC).timestamp() * 1000)
    stored = dict(await Post.all().values_list("ap_id", "id"))
    spread = {stored[f"{alice.ap_id}/statuses/{number}"] >> 16 for number in range(300)}
    assert min(spread) >= second and max(spread) < second + 1000 and len(spread) > 100
    assert stored[f"{alice.ap_id}/statuses/300"] >> 16 == second + 123


async def test_a_reply_stored_before_its_parent_is_linked_to_it(ana: Actor, alice: Actor) -> None:
    parent_id = f"{alice.ap_id}/statuses/1"
    reply = parse_note(note_of(alice, 2, inReplyTo=parent_id), followers_url=alice.followers_url)
    await remote_posts.store_remote_note(reply, alice, visibility=Visibility.PUBLIC)
    item = plain(alice, note_of(alice, 1))
    assert item is not None
    await plain_posts.keep_plain_posts([item])
    parent = await Post.get(ap_id=parent_id)
    assert (await Post.get(ap_id=reply.ap_id)).in_reply_to_id == parent.id


@pytest.mark.parametrize(
    "changes",
    [
        {"inReplyTo": "https://elsewhere.example/notes/1"},  # a reply: its parent may need fetching
        {"to": ["https://mastodon.example/users/alice/followers"], "cc": []},  # followers only: whose audience?
        {"type": "Question", "oneOf": [{"type": "Note", "name": "Oui"}]},  # a poll
        {"attachment": [{"type": "Image", "mediaType": "image/png", "url": "https://mastodon.example/a.png"}]},
        {"attributedTo": "https://mastodon.example/users/bob"},  # not its sender's
        {
            "content": "<p>#offre Je prête ma perceuse</p>",
            "tag": [{"type": "Hashtag", "name": "#offre"}, {"type": "Mention", "href": COLLECTIVE}],
            "cc": [COLLECTIVE],
        },  # a proposal for our collective
    ],
    ids=["reply", "followers-only", "question", "attachment", "other-author", "proposal"],
)
async def test_posts_that_need_more_than_storing_are_not_plain(ana: Actor, alice: Actor, changes: dict) -> None:
    assert plain(alice, note_of(alice, 1)) is not None
    assert plain(alice, note_of(alice, 1, **changes)) is None


async def test_a_post_of_an_author_nobody_here_follows_is_not_plain(ana: Actor, alice: Actor) -> None:
    assert plain(alice, note_of(alice, 1), followed=False) is None


@pytest.mark.parametrize("backend", ["postgres"])
async def test_an_id_another_worker_has_not_committed_yet_is_drawn_again(
    ana: Actor, alice: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given another worker's transaction holding a new post whose id it has not committed yet
    published = remote_posts.published_time(parse_note(note_of(alice, 1), followers_url=alice.followers_url))
    clash = new_id(int(published.timestamp() * 1000))
    holding, release = asyncio.Event(), asyncio.Event()

    async def other_worker() -> None:
        async with in_transaction():
            other = parse_note(note_of(alice, 2), followers_url=alice.followers_url)
            await remote_posts.post_row(other, alice, clash, published, Visibility.PUBLIC).save(force_create=True)
            holding.set()
            await release.wait()

    holder = asyncio.create_task(other_worker())
    await holding.wait()
    # And a first draw that gives this worker the same id (as two workers drawing for one millisecond may)
    draws = iter([clash])
    monkeypatch.setattr(remote_posts, "new_id", lambda at_ms=None: next(draws, None) or new_id(at_ms))

    # When this worker stores a post published in that millisecond while the other commits
    note = parse_note(note_of(alice, 1), followers_url=alice.followers_url)
    storing = asyncio.create_task(remote_posts.store_remote_note(note, alice, visibility=Visibility.PUBLIC))
    await asyncio.sleep(0.2)  # its insert now waits on the other transaction's row
    release.set()
    await holder
    stored = await storing

    # Then it is stored at once under another id, and the other worker's post keeps its own
    assert stored is not None and stored.id != clash
    assert await Post.get(id=clash).values_list("ap_id", flat=True) == f"{alice.ap_id}/statuses/2"
    assert await Post.filter(ap_id=f"{alice.ap_id}/statuses/1").count() == 1
