"""The inbox worker's batches (fedaid/federation/inbox_worker.py with fedaid/domain/plain_posts.py): a burst
from a Mastodon account, with plain posts, a reply, a repeat, a stranger's post and a poll vote mixed in, is
applied in one pass with the same outcome as one activity at a time."""

from __future__ import annotations

import pytest
from inbox_support import create, follow, follow_remote, note, start_drivers

from fedaid.clock import utcnow
from fedaid.models import Actor, InboxItem, InboxState, Notification, NotificationKind, Post, PostTag

from fakes.remote_instance import start_fake_remote


@pytest.fixture
async def drivers(make_instance):
    return await start_drivers(make_instance)


@pytest.fixture
async def fake(aiohttp_server):
    return await start_fake_remote(aiohttp_server, usernames=("alice", "stranger"))


async def ana_follows_alice(drivers, fake, inbox: str) -> None:
    """alice's Follow of ana makes her known here, then ana follows her."""
    status, _ = await fake.post_signed(inbox, follow(fake, f"{drivers.base_url}/u/ana", 99))
    assert status == 202
    await drivers.run_worker_once()
    await follow_remote(drivers, "ana", fake.actor_id("alice"))


async def test_a_mixed_burst_is_applied_in_one_pass(drivers, fake) -> None:
    inbox = f"{drivers.base_url}/inbox"
    # Given ana follows alice
    await ana_follows_alice(drivers, fake, inbox)
    # And a burst: 40 plain posts (one mentions ana), a reply to the first, the third sent twice,
    # and a post by a stranger nobody here follows
    mention = {"type": "Mention", "href": f"{drivers.base_url}/u/ana", "name": "@ana"}
    plain = [
        note(fake, n, f"<p>Coup de main {n} #entraide</p>", tag=[{"type": "Hashtag", "name": "#entraide"}])
        for n in range(1, 41)
    ]
    plain[4]["tag"].append(mention)
    reply = note(fake, 41, "<p>Réponse</p>", inReplyTo=plain[0]["id"])
    again = create(fake, plain[2]) | {"id": f"{plain[2]['id']}/again"}
    stranger = note(fake, 1, "<p>Bonjour</p>", user="stranger")
    burst = [create(fake, obj) for obj in plain] + [create(fake, reply), again, create(fake, stranger, user="stranger")]
    for activity in burst:
        status, text = await fake.post_signed(inbox, activity, as_user=activity["actor"].rsplit("/", 1)[1])
        assert status == 202, text
    # When one worker pass runs
    await drivers.run_worker_once()
    # Then every item is done, each of alice's posts is stored once, the reply points at its parent
    with drivers.db.active():
        assert await InboxItem.filter(state=InboxState.PENDING).count() == 0
        assert await InboxItem.filter(state=InboxState.FAILED).count() == 0
        stored = await Post.filter(is_local=False).order_by("id")
        assert sorted(post.ap_id for post in stored) == sorted(obj["id"] for obj in [*plain, reply])
        first = await Post.get(ap_id=plain[0]["id"])
        assert (await Post.get(ap_id=reply["id"])).in_reply_to_id == first.id
        assert await PostTag.filter(name="entraide").count() == 40
        mentioned = await Notification.filter(kind=NotificationKind.MENTION).prefetch_related("post")
        assert [n.post.ap_id for n in mentioned] == [plain[4]["id"]]


async def test_a_burst_from_an_account_suspended_meanwhile_is_not_kept(drivers, fake) -> None:
    inbox = f"{drivers.base_url}/inbox"
    await ana_follows_alice(drivers, fake, inbox)
    for number in range(1, 6):
        status, _ = await fake.post_signed(inbox, create(fake, note(fake, number)))
        assert status == 202
    with drivers.db.active():  # a moderator suspends alice after her posts arrived, before they are applied
        await Actor.filter(ap_id=fake.actor_id("alice")).update(suspended_at=utcnow())
    await drivers.run_worker_once()
    with drivers.db.active():
        assert await InboxItem.filter(state=InboxState.PENDING).count() == 0
        assert not await Post.filter(is_local=False).exists()


REFUSE_ON_SQLITE = """
CREATE TRIGGER refuse_post BEFORE INSERT ON post WHEN NEW.content LIKE '%REFUSED%'
BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;
"""
REFUSE_ON_POSTGRES = """
CREATE OR REPLACE FUNCTION refuse_post() RETURNS trigger AS $$
BEGIN
    IF NEW.content LIKE '%REFUSED%' THEN RAISE EXCEPTION 'refused by the test'; END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER refuse_post BEFORE INSERT ON post FOR EACH ROW EXECUTE FUNCTION refuse_post();
"""


async def test_a_batch_the_database_refuses_is_applied_one_item_at_a_time(drivers, fake) -> None:
    inbox = f"{drivers.base_url}/inbox"
    await ana_follows_alice(drivers, fake, inbox)
    # Given the database refuses one post of a burst (a constraint, as SQLite reports it, or an error)
    with drivers.db.active():
        connection = drivers.db.context.db()
        sqlite = connection.capabilities.dialect == "sqlite"
        await connection.execute_script(REFUSE_ON_SQLITE if sqlite else REFUSE_ON_POSTGRES)
    posts = [note(fake, n, "<p>REFUSED</p>" if n == 3 else f"<p>Coup de main {n}</p>") for n in range(1, 6)]
    for obj in posts:
        status, _ = await fake.post_signed(inbox, create(fake, obj))
        assert status == 202
    # When a worker pass runs
    await drivers.run_worker_once()
    # Then the batch's insert failed, and each item met its own outcome: four posts kept, one item to retry
    with drivers.db.active():
        stored = await Post.filter(is_local=False).values_list("ap_id", flat=True)
        assert sorted(stored) == sorted(obj["id"] for n, obj in enumerate(posts, 1) if n != 3)
        refused = await InboxItem.get(activity_id=f"{posts[2]['id']}/activity")
        assert refused.state == InboxState.PENDING and refused.attempts == 1
        assert "refused by the test" in refused.last_error
