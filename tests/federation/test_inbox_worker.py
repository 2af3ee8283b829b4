"""What the inbox worker (fedaid/federation/inbox_worker.py) makes of each activity type, end to end:
a fake Mastodon signs and POSTs, the real inbox stores, one worker pass applies, the database shows it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from inbox_support import create, follow, follow_remote, note, start_drivers

from fedaid.domain.alliances import approve_alliance
from fedaid.domain.members import add_member
from fedaid.domain.post_edits import history
from fedaid.models import (
    AccountRole,
    Actor,
    Favourite,
    Follow,
    FollowState,
    InboxItem,
    InboxState,
    Notification,
    NotificationKind,
    Post,
    Report,
    Visibility,
)

from fakes.remote_instance import AS, start_fake_remote

PUBLIC = f"{AS}#Public"


@pytest.fixture
async def drivers(make_instance):
    instance = await start_drivers(make_instance)
    with instance.db.active():
        await add_member(
            instance.base_url,
            "root",
            email="root@example.org",
            password="correct horse battery",
            role=AccountRole.ADMIN,
        )
    return instance


@pytest.fixture
async def fake(aiohttp_server):
    return await start_fake_remote(aiohttp_server, usernames=("alice", "bob", "club"))


@pytest.fixture
def inbox(drivers) -> str:
    return f"{drivers.base_url}/inbox"


async def deliver(fake, inbox, drivers, activity, *, as_user: str = "alice") -> None:
    """POST one activity as Mastodon would, then let the worker apply it."""
    status, text = await fake.post_signed(inbox, activity, as_user=as_user)
    assert status == 202, text
    await drivers.run_worker_once()


async def ana_follows_alice(drivers, fake, inbox) -> None:
    await deliver(fake, inbox, drivers, follow(fake, f"{drivers.base_url}/u/ana", 99))  # alice becomes known
    await follow_remote(drivers, "ana", fake.actor_id("alice"))


async def local_post(drivers, number: int = 1, visibility: Visibility = Visibility.PUBLIC) -> Post:
    with drivers.db.active():
        ana = await Actor.get(username="ana", is_local=True)
        return await Post.create(
            id=number,
            ap_id=f"{ana.ap_id}/posts/{number}",
            author=ana,
            is_local=True,
            content="<p>Je prête ma perceuse</p>",
            visibility=visibility,
            published_at=datetime.now(UTC),
        )


async def post_of(drivers, ap_id: str) -> Post | None:
    with drivers.db.active():
        return await Post.get_or_none(ap_id=ap_id)


# --- posts ---------------------------------------------------------------------------------------


async def test_create_update_delete_of_a_note(drivers, fake, inbox):
    await ana_follows_alice(drivers, fake, inbox)
    first = note(
        fake,
        1,
        '<p>Offre : 2 h de <a href="https://x.example/">jardinage</a> #jardin</p>',
        tag=[{"type": "Hashtag", "name": "#Jardin", "href": "https://x.example/tags/jardin"}],
    )

    await deliver(fake, inbox, drivers, create(fake, first))
    post = await post_of(drivers, first["id"])
    assert post is not None and not post.is_local and post.visibility == Visibility.PUBLIC
    assert "jardinage" in post.content

    # An Update with a newer `updated` is applied; an older one is not
    edited = {**first, "content": "<p>Offre modifiée</p>", "updated": "2026-01-05T11:00:00Z"}
    await deliver(
        fake,
        inbox,
        drivers,
        {
            "@context": AS,
            "id": f"{first['id']}#updates/1",
            "type": "Update",
            "actor": fake.actor_id("alice"),
            "object": edited,
        },
    )
    stale = {**first, "content": "<p>Ancienne</p>", "updated": "2026-01-05T10:30:00Z"}
    await deliver(
        fake,
        inbox,
        drivers,
        {
            "@context": AS,
            "id": f"{first['id']}#updates/2",
            "type": "Update",
            "actor": fake.actor_id("alice"),
            "object": stale,
        },
    )
    assert (await post_of(drivers, first["id"])).content == "<p>Offre modifiée</p>"
    with drivers.db.active():  # the edit history keeps the version it replaced, once
        versions = await history(await Post.get(ap_id=first["id"]))
    assert [version.content for version in versions][1:] == ["<p>Offre modifiée</p>"]
    assert "jardinage" in versions[0].content and len(versions) == 2

    # A Delete with a Tombstone leaves a tombstone, and the same id is never created again
    await deliver(
        fake,
        inbox,
        drivers,
        {
            "@context": AS,
            "id": f"{first['id']}#delete",
            "type": "Delete",
            "actor": fake.actor_id("alice"),
            "object": {"id": first["id"], "type": "Tombstone"},
        },
    )
    deleted = await post_of(drivers, first["id"])
    assert deleted.is_deleted and deleted.content == ""
    again = create(fake, first)
    again["id"] += "/again"
    await deliver(fake, inbox, drivers, again)
    assert (await post_of(drivers, first["id"])).is_deleted


async def test_only_the_author_can_update_or_delete(drivers, fake, inbox):
    await ana_follows_alice(drivers, fake, inbox)
    first = note(fake, 1)
    await deliver(fake, inbox, drivers, create(fake, first))

    # bob is on the same server, but the post is alice's
    await deliver(
        fake,
        inbox,
        drivers,
        {
            "@context": AS,
            "id": fake.url("/users/bob#delete/1"),
            "type": "Delete",
            "actor": fake.actor_id("bob"),
            "object": first["id"],
        },
        as_user="bob",
    )

    assert not (await post_of(drivers, first["id"])).is_deleted


async def test_posts_of_strangers_are_not_kept_but_replies_and_mentions_are(drivers, fake, inbox):
    stranger = note(fake, 1, user="bob")
    await deliver(fake, inbox, drivers, create(fake, stranger, user="bob"), as_user="bob")
    assert await post_of(drivers, stranger["id"]) is None

    ana = f"{drivers.base_url}/u/ana"
    mention = note(
        fake,
        2,
        user="bob",
        to=[ana],
        cc=[],
        tag=[{"type": "Mention", "href": ana, "name": f"@ana@{drivers.settings.domain}"}],
    )
    await deliver(fake, inbox, drivers, create(fake, mention, user="bob"), as_user="bob")
    post = await post_of(drivers, mention["id"])
    assert post is not None and post.visibility == Visibility.DIRECT
    with drivers.db.active():
        assert await Notification.filter(kind=NotificationKind.MENTION, post_id=post.id).exists()


async def test_members_only_posts_keep_their_visibility(drivers, fake, inbox):
    await ana_follows_alice(drivers, fake, inbox)
    private = note(fake, 3, to=[f"{fake.actor_id('alice')}/followers"], cc=[])

    await deliver(fake, inbox, drivers, create(fake, private))

    assert (await post_of(drivers, private["id"])).visibility == Visibility.FOLLOWERS


# --- FEP-1b12 group distribution -----------------------------------------------------------------


async def make_club_a_followed_group(drivers, fake, inbox) -> str:
    fake.patch_actor("club", type="Group", groupKind="collective")  # another fedaid collective
    club = fake.actor_id("club")
    await deliver(fake, inbox, drivers, follow(fake, f"{drivers.base_url}/c/drivers", user="club"), as_user="club")
    # an admin of drivers approves the alliance, which follows back; the fake club accepts that follow
    with drivers.db.active():
        ours = await Actor.get(username="drivers", is_local=True)
        await approve_alliance(ours, await Actor.get(ap_id=club))
        assert await Follow.filter(follower=ours, target__ap_id=club).update(state=FollowState.ACCEPTED) == 1
    return club


async def test_a_followed_group_announcing_a_create_stores_the_note_once(drivers, fake, inbox):
    club = await make_club_a_followed_group(drivers, fake, inbox)
    member_note = note(fake, 7, user="bob", to=[club, PUBLIC], audience=club)
    wrapped = {
        "@context": AS,
        "id": fake.url("/activities/announce/1"),
        "type": "Announce",
        "actor": club,
        "to": [PUBLIC],
        "cc": [f"{club}/followers"],
        "object": {**create(fake, member_note, user="bob"), "@context": AS},
    }
    # When the group sends the FEP-1b12 form, then the plain boost Mastodon understands
    await deliver(fake, inbox, drivers, wrapped, as_user="club")
    plain = {
        "@context": AS,
        "id": fake.url("/activities/announce/2"),
        "type": "Announce",
        "actor": club,
        "to": [PUBLIC],
        "object": member_note["id"],
    }
    await deliver(fake, inbox, drivers, plain, as_user="club")

    # Then the note is stored once, with the group as its audience, and never fetched
    with drivers.db.active():
        assert await Post.filter(ap_id=member_note["id"]).count() == 1
        post = await Post.get(ap_id=member_note["id"])
    assert post.audience == club
    assert fake.count("GET", "/users/bob/statuses/7") == 0


async def test_a_wrapped_create_from_another_origin_is_checked_with_its_origin(drivers, fake, inbox, aiohttp_server):
    club = await make_club_a_followed_group(drivers, fake, inbox)
    other = await start_fake_remote(aiohttp_server, usernames=("dora",))
    real = note(other, 1, user="dora")
    forged = {**real, "content": "<p>Faux</p>"}
    wrapped = {
        "@context": AS,
        "id": fake.url("/activities/announce/3"),
        "type": "Announce",
        "actor": club,
        "object": create(other, forged, user="dora"),
    }

    # While the origin does not serve it, the wrapped Create is not trusted
    await deliver(fake, inbox, drivers, wrapped, as_user="club")
    assert await post_of(drivers, real["id"]) is None

    # Once it does, the origin's copy is stored, not the group's
    other.add_object("/users/dora/statuses/1", {"@context": AS, **real})
    with drivers.db.active():
        await InboxItem.all().update(next_attempt_at=datetime.now(UTC))
    await drivers.run_worker_once()
    post = await post_of(drivers, real["id"])
    assert post is not None and post.content == "<p>Bonjour</p>"


async def test_announce_from_a_group_we_do_not_follow_is_ignored(drivers, fake, inbox):
    fake.patch_actor("club", type="Group", groupKind="collective")  # another fedaid collective
    club = fake.actor_id("club")
    member_note = note(fake, 8, user="bob")
    await deliver(
        fake,
        inbox,
        drivers,
        {
            "@context": AS,
            "id": fake.url("/activities/announce/9"),
            "type": "Announce",
            "actor": club,
            "object": create(fake, member_note, user="bob"),
        },
        as_user="club",
    )
    assert await post_of(drivers, member_note["id"]) is None


# --- likes, boosts, reports, blocks, moves, actors -----------------------------------------------


async def test_like_and_undo_like_of_a_local_post(drivers, fake, inbox):
    post = await local_post(drivers)
    like = {
        "@context": AS,
        "id": fake.url("/users/alice#likes/1"),
        "type": "Like",
        "actor": fake.actor_id("alice"),
        "object": post.ap_id,
    }

    await deliver(fake, inbox, drivers, like)
    with drivers.db.active():
        assert await Favourite.filter(post_id=post.id).count() == 1
        assert await Notification.filter(kind=NotificationKind.FAVOURITE, recipient_id=post.author_id).count() == 1

    await deliver(
        fake,
        inbox,
        drivers,
        {"@context": AS, "id": f"{like['id']}/undo", "type": "Undo", "actor": fake.actor_id("alice"), "object": like},
    )
    with drivers.db.active():
        assert await Favourite.all().count() == 0


async def test_a_boost_of_a_local_post_notifies_its_author(drivers, fake, inbox):
    post = await local_post(drivers)
    await deliver(
        fake,
        inbox,
        drivers,
        {
            "@context": AS,
            "id": fake.url("/users/alice/statuses/5/activity"),
            "type": "Announce",
            "actor": fake.actor_id("alice"),
            "to": [PUBLIC],
            "object": post.ap_id,
        },
    )
    with drivers.db.active():
        assert await Notification.filter(kind=NotificationKind.REBLOG, post_id=post.id).count() == 1


async def test_flag_becomes_a_report_for_admins(drivers, fake, inbox):
    post = await local_post(drivers)
    flag = {
        "@context": AS,
        "id": fake.url("/reports/1"),
        "type": "Flag",
        "actor": fake.actor_id("alice"),
        "content": "<p>Spam <script>x</script></p>",
        "object": [f"{drivers.base_url}/u/ana", post.ap_id],
    }

    await deliver(fake, inbox, drivers, flag)
    await fake.post_signed(inbox, flag)  # the same report twice
    await drivers.run_worker_once()

    with drivers.db.active():
        report = await Report.get()
        assert await Report.all().count() == 1
        root = await Actor.get(username="root")
        assert await Notification.filter(kind=NotificationKind.ADMIN_REPORT, recipient=root).count() == 1
    assert report.post_ap_ids == [post.ap_id] and report.comment == "Spam"


async def test_block_ends_the_follows_between_them(drivers, fake, inbox):
    await ana_follows_alice(drivers, fake, inbox)
    with drivers.db.active():
        assert await Follow.all().count() == 2

    await deliver(
        fake,
        inbox,
        drivers,
        {
            "@context": AS,
            "id": fake.url("/blocks/1"),
            "type": "Block",
            "actor": fake.actor_id("alice"),
            "object": f"{drivers.base_url}/u/ana",
        },
    )

    with drivers.db.active():
        assert await Follow.all().count() == 0


async def test_move_is_recorded_when_the_new_account_confirms_it(drivers, fake, inbox):
    await ana_follows_alice(drivers, fake, inbox)
    alice, bob = fake.actor_id("alice"), fake.actor_id("bob")
    move = {"@context": AS, "id": f"{alice}#moves/1", "type": "Move", "actor": alice, "object": alice, "target": bob}

    await deliver(fake, inbox, drivers, move)
    with drivers.db.active():
        assert (await Actor.get(ap_id=alice)).moved_to is None  # bob does not say he was alice

    fake.patch_actor("bob", alsoKnownAs=[alice])
    move["id"] += "b"
    await deliver(fake, inbox, drivers, move)
    with drivers.db.active():
        assert (await Actor.get(ap_id=alice)).moved_to == bob


async def test_update_and_delete_of_an_actor(drivers, fake, inbox):
    await ana_follows_alice(drivers, fake, inbox)
    await deliver(fake, inbox, drivers, create(fake, note(fake, 1)))
    alice = fake.actor_id("alice")
    fake.patch_actor("alice", name="Alice Jardinière")

    await deliver(
        fake,
        inbox,
        drivers,
        {
            "@context": AS,
            "id": f"{alice}#updates/1",
            "type": "Update",
            "actor": alice,
            "object": fake.actor_doc("alice"),
        },
    )
    with drivers.db.active():
        assert (await Actor.get(ap_id=alice)).name == "Alice Jardinière"

    await deliver(
        fake,
        inbox,
        drivers,
        {"@context": AS, "id": f"{alice}#delete", "type": "Delete", "actor": alice, "object": alice},
    )
    with drivers.db.active():
        gone = await Actor.get(ap_id=alice)
        assert gone.is_deleted
        assert await Follow.all().count() == 0
        assert await Post.filter(author=gone, deleted_at=None).count() == 0


async def test_unknown_types_are_acknowledged_and_ignored(drivers, fake, inbox):
    await deliver(
        fake,
        inbox,
        drivers,
        {
            "@context": AS,
            "id": fake.url("/reacts/1"),
            "type": "EmojiReact",
            "actor": fake.actor_id("alice"),
            "content": "🔥",
            "object": f"{drivers.base_url}/u/ana/posts/1",
        },
    )
    with drivers.db.active():
        item = await InboxItem.get()
    assert item.state == InboxState.DONE and item.last_error == ""
