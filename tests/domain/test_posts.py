"""Tests for fedaid/domain/posts.py: local posts, their hashtags and mentions, and the Delivery rows they queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from mutual_aid_factories import NOW, delivered_types, deliveries, follow, make_local, make_remote

from fedaid.activitypub.vocab import PUBLIC
from fedaid.db import Database
from fedaid.domain import search
from fedaid.domain.post_federation import note_of
from fedaid.domain.posts import create_post, delete_post, edit_post, get_post
from fedaid.errors import Forbidden, Gone
from fedaid.models import Actor, Delivery, Notification, NotificationKind, Post, PostTag, Visibility


@pytest.fixture
async def ana(db: Database) -> Actor:
    return await make_local("ana")


@pytest.fixture
async def collective(db: Database) -> Actor:
    return await make_local("collectif", group=True)


async def test_public_post_goes_to_remote_followers_and_mentioned_actors(ana: Actor) -> None:
    # Given two followers on one Mastodon server, one on another, a local one, and a mentioned stranger
    for name in ("bo", "cy"):
        await follow(await make_remote(name, "masto.example"), ana)
    await follow(await make_remote("di", "gts.example", shared=False), ana)
    await follow(await make_local("li"), ana)
    eve = await make_remote("eve", "else.example")
    # When ana posts
    post = await create_post(ana, "Bonjour @eve@else.example #entraide", mentions=[eve], now=NOW)
    # Then one Create per distinct remote inbox is queued, nothing for the local follower
    assert sorted(await delivered_types()) == [
        ("Create", "Note", "https://else.example/inbox"),
        ("Create", "Note", "https://gts.example/users/di/inbox"),
        ("Create", "Note", "https://masto.example/inbox"),
    ]
    _, _, activity = (await deliveries())[0]
    assert activity["object"]["id"] == post.ap_id == f"{ana.ap_id}/posts/{post.id}"
    assert activity["to"] == [PUBLIC] and eve.ap_id in activity["cc"]
    assert await PostTag.filter(post=post).values_list("name", flat=True) == ["entraide"]


async def test_direct_post_goes_only_to_mentioned_actors(ana: Actor) -> None:
    await follow(await make_remote("bo", "masto.example"), ana)
    eve = await make_remote("eve", "else.example")
    await create_post(ana, "@eve@else.example en privé", visibility=Visibility.DIRECT, mentions=[eve], now=NOW)
    assert [inbox for _, inbox, _ in await deliveries()] == ["https://else.example/inbox"]


async def test_local_mentions_are_notified(ana: Actor) -> None:
    li = await make_local("li")
    post = await create_post(ana, "Merci @li !", mentions=[li], now=NOW)
    assert await Notification.filter(recipient=li, kind=NotificationKind.MENTION, post=post).count() == 1


async def test_public_top_level_post_to_the_collective_is_announced_by_the_group(ana: Actor, collective: Actor) -> None:
    # Given a Mastodon user following the collective, and an allied collective
    await follow(await make_remote("mo", "masto.example"), collective)
    await follow(await make_remote("garage", "drivers.example", group=True, mastodon=False), collective)
    # When a member posts publicly to the collective
    post = await create_post(ana, "Qui a une camionnette ?", audience=collective, now=NOW)
    # Then the Group announces the unchanged Create and also boosts the note id, to each follower's inbox
    rows = await deliveries(sender__ap_id=collective.ap_id)
    announces = {
        (activity["object"]["type"] if isinstance(activity["object"], dict) else activity["object"], inbox)
        for _, inbox, activity in rows
    }
    assert announces == {
        ("Create", "https://masto.example/inbox"),
        (post.ap_id, "https://masto.example/inbox"),
        ("Create", "https://drivers.example/inbox"),
        (post.ap_id, "https://drivers.example/inbox"),
    }
    wrapped = next(activity for _, _, activity in rows if isinstance(activity["object"], dict))
    assert wrapped["type"] == "Announce" and wrapped["object"]["id"] == post.ap_id + "/activity"
    assert wrapped["object"]["actor"] == ana.ap_id and wrapped["audience"] == collective.ap_id


async def test_replies_and_members_only_posts_are_not_boosted(ana: Actor, collective: Actor) -> None:
    await follow(await make_remote("mo", "masto.example"), collective)
    parent = await create_post(ana, "Fil", audience=collective, now=NOW)
    await Delivery.all().delete()
    reloaded = await get_post(parent.id)
    await create_post(ana, "Réponse", in_reply_to=reloaded, audience=collective, now=NOW)
    assert await deliveries(sender__ap_id=collective.ap_id) == []
    # Members-only is not boosted either (its delivery: test_members_posts_go_to_allied_collectives_only)
    await create_post(ana, "Entre membres", visibility=Visibility.MEMBERS, audience=collective, now=NOW)
    assert await deliveries(sender__ap_id=collective.ap_id) == []


async def test_members_posts_go_to_allied_collectives_only(ana: Actor, collective: Actor) -> None:
    # Given a Mastodon user following the collective and one following ana, an allied collective, and a
    # collective that asked for an alliance nobody approved yet
    await follow(await make_remote("mo", "masto.example"), collective)
    await follow(await make_remote("fan", "fans.example"), ana)
    ally = await make_remote("ally", "ally.example", group=True, mastodon=False)
    await follow(ally, collective)
    await follow(collective, ally)
    await follow(await make_remote("asking", "asking.example", group=True, mastodon=False), collective, accepted=False)
    await Delivery.all().delete()
    # When ana posts for members, mentioning nobody
    post = await create_post(ana, "Entre membres", visibility=Visibility.MEMBERS, now=NOW)
    # Then only the ally's server receives it, addressed to the collective's followers collection
    rows = await deliveries()
    assert [(sender, inbox) for sender, inbox, _ in rows] == [(ana.ap_id, "https://ally.example/inbox")]
    assert rows[0][2]["object"]["to"] == [f"{collective.ap_id}/followers"]
    assert post.audience == collective.ap_id  # the collective is its audience even when not named


async def test_edit_queues_an_update_with_a_later_updated(ana: Actor) -> None:
    await follow(await make_remote("bo", "masto.example"), ana)
    post = await create_post(ana, "Avant #old", now=NOW)
    await edit_post(post, by=ana, text="Après #new", now=NOW)  # same second: `updated` still moves on
    await edit_post(post, by=ana, text="Encore #new", now=NOW)
    updates = [activity for _, _, activity in await deliveries() if activity["type"] == "Update"]
    assert len(updates) == 2 and updates[0]["id"] != updates[1]["id"]
    assert updates[0]["object"]["published"] < updates[0]["object"]["updated"] < updates[1]["object"]["updated"]
    assert await PostTag.filter(post=post).values_list("name", flat=True) == ["new"]
    assert post.updated_at == NOW.replace(microsecond=0) + timedelta(seconds=2)


async def test_only_the_author_edits_or_deletes(ana: Actor) -> None:
    post = await create_post(ana, "À moi", now=NOW)
    other = await make_local("li")
    with pytest.raises(Forbidden):
        await edit_post(post, by=other, text="Non")
    with pytest.raises(Forbidden):
        await delete_post(post, by=other)


async def test_delete_queues_a_tombstone_and_leaves_a_tombstone_here(ana: Actor, collective: Actor) -> None:
    await follow(await make_remote("bo", "masto.example"), ana)
    await follow(await make_remote("mo", "mamot.example"), collective)
    post = await create_post(ana, "Bientôt supprimé #temp", audience=collective, now=NOW)
    note = await note_of(post)
    await delete_post(post, by=ana, now=NOW)
    sent = [activity for _, _, activity in await deliveries(sender__ap_id=ana.ap_id)]
    delete = next(activity for activity in sent if activity["type"] == "Delete")
    assert delete["object"] == {"id": post.ap_id, "type": "Tombstone"} and delete["to"] == note["to"]
    group_types = [
        (a["type"], a["object"]["type"] if isinstance(a["object"], dict) else "id")
        for _, _, a in await deliveries(sender__ap_id=collective.ap_id)
    ]
    assert ("Announce", "Delete") in group_types and ("Undo", "Announce") in group_types
    with pytest.raises(Gone):
        await get_post(post.id)
    assert await search.search("supprimé") == [] and await PostTag.filter(post_id=post.id).count() == 0


async def test_editing_only_the_content_warning_keeps_the_hashtags(ana: Actor) -> None:
    post = await create_post(ana, "Bonjour #été #Entraide", now=NOW)
    await edit_post(post, by=ana, summary="météo", now=NOW)
    assert sorted(await PostTag.filter(post=post).values_list("name", flat=True)) == ["entraide", "été"]
    assert post.sensitive and post.summary == "météo"


async def test_a_reply_mentions_the_author_it_answers_even_when_not_loaded(ana: Actor) -> None:
    mo = await make_remote("mo", "masto.example")
    parent = await create_post(ana, "Question", now=NOW)
    await Post.filter(id=parent.id).update(author_id=mo.id)  # as if mo had written it
    bare = await Post.get(id=parent.id)  # author not fetched
    reply = await create_post(ana, "Réponse", in_reply_to=bare, now=NOW)
    assert reply.mentions == [mo.ap_id]
    assert [inbox for _, inbox, a in await deliveries() if a["object"]["id"] == reply.ap_id] == [
        "https://masto.example/inbox"
    ]
