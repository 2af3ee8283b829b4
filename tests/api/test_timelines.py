"""Timelines, statuses, accounts and notifications as Mastodon clients read them, with Link paging."""

from __future__ import annotations

from datetime import UTC, datetime

from factories import make_post

from fedaid.clock import utcnow
from fedaid.domain import reports
from fedaid.domain.follows import follow
from fedaid.models import Follow, FollowState, Notification, NotificationKind, Visibility


async def test_public_timeline_pages_with_link_headers(api) -> None:
    # Given 5 public posts and one members-only post
    ana = await api.add_member("ana")
    with api.instance.db.active():
        posts = [await make_post(ana.actor, f"<p>post {n}</p>") for n in range(5)]
        await make_post(ana.actor, "<p>members</p>", visibility=Visibility.FOLLOWERS)
    # When an anonymous client reads 2 at a time
    first = await api.get("/api/v1/timelines/public", params={"limit": "2"})
    # Then it gets the newest first, and the Link header leads to the next page and back
    assert [s["id"] for s in first.body] == [str(posts[4].id), str(posts[3].id)]
    links = first.headers["Link"]
    assert f"max_id={posts[3].id}" in links and f"min_id={posts[4].id}" in links and 'rel="next"' in links
    second = await api.get("/api/v1/timelines/public/", params={"limit": "2", "max_id": str(posts[3].id)})
    assert [s["id"] for s in second.body] == [str(posts[2].id), str(posts[1].id)]
    newer = await api.get("/api/v1/timelines/public", params={"min_id": str(posts[1].id), "limit": "2"})
    assert [s["id"] for s in newer.body] == [str(posts[3].id), str(posts[2].id)]
    since = await api.get("/api/v1/timelines/public", params={"since_id": str(posts[1].id), "limit": "2"})
    assert [s["id"] for s in since.body] == [str(posts[4].id), str(posts[3].id)]
    local = await api.get("/api/v1/timelines/public", params={"local": "true"})
    assert len(local.body) == 5


async def test_home_timeline_shows_own_and_followed_posts(api) -> None:
    ana, bea, cy = await api.add_member("ana"), await api.add_member("bea"), await api.add_member("cy")
    with api.instance.db.active():
        await follow(ana.actor, bea.actor)
        mine = await make_post(ana.actor, "<p>mine</p>")
        followed = await make_post(bea.actor, "<p>bea</p>", visibility=Visibility.FOLLOWERS)
        await make_post(cy.actor, "<p>not followed</p>")
    home = await api.get("/api/v1/timelines/home", as_="ana")
    assert [s["id"] for s in home.body] == [str(followed.id), str(mine.id)]
    assert home.body[0]["visibility"] == "private"


async def test_timelines_say_what_the_viewer_did_to_each_post_and_boosted_post(api) -> None:
    # Given cy, who follows ana; ana's boost of bea's post; cy's favourite of ana's post and boost of bea's
    ana, bea, cy = await api.add_member("ana"), await api.add_member("bea"), await api.add_member("cy")
    with api.instance.db.active():
        await follow(cy.actor, ana.actor)
        boosted = await make_post(bea.actor, "<p>bea</p>")
        liked = await make_post(ana.actor, "<p>ana</p>")
        untouched = await make_post(ana.actor, "<p>ana again</p>")
    boost = (await api.post(f"/api/v1/statuses/{boosted.id}/reblog", as_="ana")).body["id"]
    assert (await api.post(f"/api/v1/statuses/{liked.id}/favourite", as_="cy")).status == 200
    own_boost = (await api.post(f"/api/v1/statuses/{boosted.id}/reblog", as_="cy")).body["id"]

    # When cy reads her home and the public timeline, and bea and an anonymous client the public one
    home = (await api.get("/api/v1/timelines/home", as_="cy")).body
    public = {viewer: (await api.get("/api/v1/timelines/public", as_=viewer)).body for viewer in ("cy", "bea", None)}

    # Then cy's home has ana's posts, ana's boost and her own, each saying what cy did to the post
    reactions = {s["id"]: (s["favourited"], s["reblogged"]) for s in home if s["reblog"] is None}
    assert reactions == {str(liked.id): (True, False), str(untouched.id): (False, False)}
    boosts = {s["id"]: s["reblog"] for s in home if s["reblog"] is not None}
    assert boosts.keys() == {boost, own_boost}
    for reblog in boosts.values():
        assert (reblog["id"], reblog["favourited"], reblog["reblogged"]) == (str(boosted.id), False, True)
    # and the public timeline says it to cy only
    for viewer, expected in (("cy", (True, False, True)), ("bea", (False, False, False)), (None, (False,) * 3)):
        by_id = {s["id"]: s for s in public[viewer]}
        seen = (by_id[str(liked.id)]["favourited"], by_id[str(untouched.id)]["favourited"])
        assert (*seen, by_id[str(boosted.id)]["reblogged"]) == expected, viewer


async def test_a_members_post_reads_as_private_and_a_member_sees_it(api) -> None:
    # Given a members-only post (Mastodon has no such audience)
    ana = await api.add_member("ana")
    await api.add_member("bea")
    with api.instance.db.active():
        post = await make_post(ana.actor, "<p>for the collective</p>", visibility=Visibility.MEMBERS)
    # When another member reads it, and an anonymous client tries
    seen = await api.get(f"/api/v1/statuses/{post.id}", as_="bea")
    unseen = await api.get(f"/api/v1/statuses/{post.id}")
    # Then the member's app shows it as Mastodon's "private" (a chosen audience), and nobody else gets it
    assert seen.status == 200 and seen.body["visibility"] == "private"
    assert unseen.status == 404


async def test_tag_timeline_and_proposal_statuses_carry_the_fedaid_object(api) -> None:
    ana = await api.add_member("ana")
    with api.instance.db.active():
        offer = await make_post(
            ana.actor,
            "<p>Déménagement #offre</p>",
            tags=("offre", "transport"),
            proposal={"title": "Déménagement", "category": "transport", "hours": 3, "place_name": "Lyon"},
        )
        await make_post(ana.actor, "<p>no tag</p>")
    tagged = await api.get("/api/v1/timelines/tag/offre")
    assert [s["id"] for s in tagged.body] == [str(offer.id)]
    fedaid = tagged.body[0]["fedaid"]
    assert fedaid["purpose"] == "offer" and fedaid["hours"] == 3 and fedaid["place"]["name"] == "Lyon"
    assert fedaid["status"] == "open" and fedaid["category"] == "transport"
    assert {t["name"] for t in tagged.body[0]["tags"]} == {"offre", "transport"}


async def test_an_account_counts_accepted_follows_both_ways_and_posts_not_deleted(api) -> None:
    # Given ana, followed by bea and cy, asked to by dan (pending); ana follows bea; ana posted three times in
    # different years and deleted the newest
    ana, bea, cy, dan = [await api.add_member(name) for name in ("ana", "bea", "cy", "dan")]
    with api.instance.db.active():
        for follower in (bea, cy):
            await follow(follower.actor, ana.actor)
        await Follow.create(follower_id=dan.actor.id, target_id=ana.actor.id, state=FollowState.PENDING)
        await follow(ana.actor, bea.actor)
        for year in (2024, 2025):
            await make_post(ana.actor, f"<p>{year}</p>", published_at=datetime(year, 3, 1, tzinfo=UTC))
        await make_post(ana.actor, "<p>gone</p>", published_at=datetime(2026, 3, 1, tzinfo=UTC), deleted_at=utcnow())
    # When a client reads her account, and cy's
    seen = (await api.get(f"/api/v1/accounts/{ana.actor.id}")).body
    other = (await api.get(f"/api/v1/accounts/{cy.actor.id}")).body
    # Then only accepted follows count, and posts not deleted, the last one's date shown
    assert (seen["followers_count"], seen["following_count"], seen["statuses_count"]) == (2, 1, 2)
    assert seen["last_status_at"] == "2025-03-01"
    assert (other["followers_count"], other["following_count"], other["statuses_count"]) == (0, 1, 0)
    assert other["last_status_at"] is None


async def test_accounts_statuses_context_and_relationships(api) -> None:
    ana, bea = await api.add_member("ana"), await api.add_member("bea")
    with api.instance.db.active():
        root = await make_post(ana.actor, "<p>root</p>")
        reply = await make_post(bea.actor, "<p>reply</p>", in_reply_to=root, mentions=[ana.actor.ap_id])
    account = await api.get(f"/api/v1/accounts/{ana.actor.id}")
    assert account.body["acct"] == "ana" and account.body["statuses_count"] == 1
    looked_up = await api.get("/api/v1/accounts/lookup", params={"acct": "bea"})
    assert looked_up.body["id"] == str(bea.actor.id)
    statuses = await api.get(f"/api/v1/accounts/{bea.actor.id}/statuses")
    assert statuses.body[0]["in_reply_to_id"] == str(root.id)
    assert statuses.body[0]["in_reply_to_account_id"] == str(ana.actor.id)
    assert statuses.body[0]["mentions"][0]["acct"] == "ana"
    context = await api.get(f"/api/v1/statuses/{root.id}/context")
    assert [s["id"] for s in context.body["descendants"]] == [str(reply.id)]
    shown = await api.get(f"/api/v1/statuses/{root.id}")
    assert shown.body["replies_count"] == 1
    followed = await api.post(f"/api/v1/accounts/{bea.actor.id}/follow", as_="ana")
    assert followed.status == 200 and followed.body["following"] is True
    relationships = await api.get("/api/v1/accounts/relationships", as_="ana", params=[("id[]", str(bea.actor.id))])
    assert relationships.body[0]["following"] is True
    followers = await api.get(f"/api/v1/accounts/{bea.actor.id}/followers")
    assert [a["acct"] for a in followers.body] == ["ana"]
    unfollowed = await api.post(f"/api/v1/accounts/{bea.actor.id}/unfollow/", as_="ana", json={})
    assert unfollowed.body["following"] is False
    assert (await api.get("/api/v1/statuses/123")).status == 404


async def test_notifications_list_show_dismiss_and_clear(api) -> None:
    ana, bea = await api.add_member("ana"), await api.add_member("bea")
    with api.instance.db.active():
        post = await make_post(bea.actor, "<p>@ana hi</p>", mentions=[ana.actor.ap_id])
        first = await Notification.create(
            recipient=ana.actor, kind=NotificationKind.MENTION, from_actor=bea.actor, post=post
        )
        await Notification.create(recipient=ana.actor, kind=NotificationKind.FOLLOW, from_actor=bea.actor)
    listed = await api.get("/api/v1/notifications", as_="ana")
    assert [n["type"] for n in listed.body] == ["follow", "mention"]
    mentions = await api.get("/api/v1/notifications", as_="ana", params={"types[]": "mention"})
    assert [n["status"]["id"] for n in mentions.body] == [str(post.id)]
    assert (await api.get(f"/api/v1/notifications/{first.id}", as_="ana")).body["type"] == "mention"
    assert (await api.get(f"/api/v1/notifications/{first.id}", as_="bea")).status == 404
    assert (await api.post(f"/api/v1/notifications/{first.id}/dismiss", as_="ana")).status == 200
    assert len((await api.get("/api/v1/notifications", as_="ana")).body) == 1
    assert (await api.post("/api/v1/notifications/clear", as_="ana")).status == 200
    assert (await api.get("/api/v1/notifications", as_="ana")).body == []


async def test_instance_documents_and_search(api) -> None:
    ana = await api.add_member("ana")
    with api.instance.db.active():
        await make_post(ana.actor, "<p>Réparation de vélo</p>", tags=("reparation",))
    v2 = await api.get("/api/v2/instance")
    assert v2.body["version"].startswith("4.3.0 (compatible; fedaid ")
    assert v2.body["configuration"]["urls"]["streaming"].startswith("ws://")
    assert v2.body["api_versions"]["mastodon"] >= 2
    v1 = await api.get("/api/v1/instance/")
    assert v1.body["uri"] == api.instance.settings.domain and v1.body["stats"]["user_count"] == 1
    found = await api.get("/api/v2/search", as_="ana", params={"q": "ana"})
    assert [a["acct"] for a in found.body["accounts"]] == ["ana"]
    tags = await api.get("/api/v2/search", as_="ana", params={"q": "#repa", "type": "hashtags"})
    assert [t["name"] for t in tags.body["hashtags"]] == ["reparation"]
    statuses = await api.get("/api/v2/search", as_="ana", params={"q": "vélo", "type": "statuses"})
    assert len(statuses.body["statuses"]) == 1


async def test_a_boost_of_a_post_a_moderator_hid_shows_to_its_author_only(api) -> None:
    # Given cy, who follows ana, and ana's boost of bea's post
    ana, bea, cy = await api.add_member("ana"), await api.add_member("bea"), await api.add_member("cy")
    with api.instance.db.active():
        await follow(cy.actor, ana.actor)
        post = await make_post(bea.actor, "<p>Insulte</p>")
    boost = (await api.post(f"/api/v1/statuses/{post.id}/reblog", as_="ana")).body["id"]
    ana_statuses = f"/api/v1/accounts/{ana.actor.id}/statuses"
    assert boost in [s["id"] for s in (await api.get("/api/v1/timelines/home", as_="cy")).body]

    # When a moderator hides bea's post after a report
    with api.instance.db.active():
        report = await reports.file_report(
            cy.actor, bea.actor, post_ids=[post.id], comment="", category="violation", forward=False, base_url=""
        )
        await reports.hide_post(report, post.id, by=ana.actor)

    # Then the boost leaves cy's home timeline and ana's statuses, as the post leaves every list
    for viewer in ("cy", None):
        assert boost not in [s["id"] for s in (await api.get(ana_statuses, as_=viewer)).body], viewer
    assert boost not in [s["id"] for s in (await api.get("/api/v1/timelines/home", as_="cy")).body]
    # and bea, its author, still sees it
    assert boost in [s["id"] for s in (await api.get(ana_statuses, as_="bea")).body]
