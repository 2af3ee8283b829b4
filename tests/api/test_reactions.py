"""Favourites and boosts: recorded, counted in statuses, notified, shown in home timelines, and federated as
Like / Announce and their Undo between two instances on loopback."""

from __future__ import annotations

import asyncio

import pytest
from factories import make_post
from federated import copy_of, follow_across

from fedaid.api.render_cache import RENDER_CACHE
from fedaid.domain.follows import follow
from fedaid.models import Visibility

from testsupport import drain

mastodon = pytest.importorskip("mastodon")


async def kinds_of(api, member: str) -> list[tuple[str, str]]:
    answer = await api.get("/api/v1/notifications", as_=member)
    return [(n["type"], n["account"]["acct"]) for n in answer.body]


async def test_deleting_a_boost_takes_it_back_and_never_deletes_the_boosted_post(api) -> None:
    # Given ana's post, boosted by bea and by ana herself
    ana = await api.add_member("ana")
    await api.add_member("bea")
    with api.instance.db.active():
        post = await make_post(ana.actor, "<p>Atelier vélo samedi</p>")
    beas = await api.post(f"/api/v1/statuses/{post.id}/reblog", as_="bea")
    anas = await api.post(f"/api/v1/statuses/{post.id}/reblog", as_="ana")
    # When ana sends DELETE for bea's boost
    refused = await api.call("DELETE", f"/api/v1/statuses/{beas.body['id']}", as_="ana")
    # Then nothing happens: it is not hers, and her post stays
    assert refused.status == 404
    assert (await api.get(f"/api/v1/statuses/{post.id}")).body["reblogs_count"] == 2
    # When each deletes her own boost, as apps do from a boost in a timeline
    for member, boost in (("bea", beas), ("ana", anas)):
        taken_back = await api.call("DELETE", f"/api/v1/statuses/{boost.body['id']}", as_=member)
        # Then the answer is the boost as it was, and the boost is gone
        assert taken_back.status == 200
        assert taken_back.body["id"] == boost.body["id"] and taken_back.body["reblog"]["id"] == str(post.id)
    # And ana's post is still there, boosted by nobody
    kept = await api.get(f"/api/v1/statuses/{post.id}", as_="ana")
    assert kept.status == 200 and kept.body["reblogs_count"] == 0 and kept.body["reblogged"] is False


async def test_favourites_are_counted_notified_listed_and_taken_back(api) -> None:
    # Given bea's post
    await api.add_member("ana")
    bea = await api.add_member("bea")
    with api.instance.db.active():
        post = await make_post(bea.actor, "<p>Soupe populaire jeudi</p>")
    path = f"/api/v1/statuses/{post.id}"
    # When ana favourites it, twice
    liked = await api.post(f"{path}/favourite", as_="ana")
    again = await api.post(f"{path}/favourite/", as_="ana")
    # Then it counts once, she sees it favourited, and bea is told
    assert liked.body["favourited"] is True and liked.body["favourites_count"] == 1
    assert again.body["favourites_count"] == 1
    seen_by_bea = await api.get(path, as_="bea")
    assert seen_by_bea.body["favourited"] is False and seen_by_bea.body["favourites_count"] == 1
    assert await kinds_of(api, "bea") == [("favourite", "ana")]
    assert [a["acct"] for a in (await api.get(f"{path}/favourited_by")).body] == ["ana"]
    mine = await api.get("/api/v1/favourites", as_="ana")
    assert [s["id"] for s in mine.body] == [str(post.id)] and mine.body[0]["favourited"] is True
    # When she takes it back
    undone = await api.post(f"{path}/unfavourite", as_="ana")
    # Then nothing of it is left
    assert undone.body["favourited"] is False and undone.body["favourites_count"] == 0
    assert await kinds_of(api, "bea") == []
    assert (await api.get("/api/v1/favourites", as_="ana")).body == []


async def test_boosts_show_in_followers_home_timelines_and_are_taken_back(api) -> None:
    # Given bea's public post and her members-only one, and cy who follows ana
    ana, bea, cy = await api.add_member("ana"), await api.add_member("bea"), await api.add_member("cy")
    with api.instance.db.active():
        await follow(cy.actor, ana.actor)
        post = await make_post(bea.actor, "<p>Gratiferia samedi</p>")
        private = await make_post(bea.actor, "<p>membres</p>", visibility=Visibility.FOLLOWERS)
        own = await make_post(ana.actor, "<p>ana's own</p>")
    # When ana boosts the public post
    boost = await api.post(f"/api/v1/statuses/{post.id}/reblog", as_="ana")
    # Then she gets her boost, wrapping bea's post, which counts it
    assert boost.status == 200 and boost.body["account"]["acct"] == "ana"
    assert boost.body["reblog"]["id"] == str(post.id) and boost.body["reblog"]["reblogged"] is True
    assert boost.body["reblog"]["reblogs_count"] == 1 and boost.body["id"] != str(post.id)
    again = await api.post(f"/api/v1/statuses/{post.id}/reblog", as_="ana")
    assert again.body["id"] == boost.body["id"]
    # (apps act on a boost through its own id: it stands for the boosted post)
    through_boost = await api.get(f"/api/v1/statuses/{boost.body['id']}", as_="cy")
    assert through_boost.body["id"] == str(post.id) and through_boost.body["reblogs_count"] == 1
    assert await kinds_of(api, "bea") == [("reblog", "ana")]
    assert [a["acct"] for a in (await api.get(f"/api/v1/statuses/{post.id}/reblogged_by")).body] == ["ana"]
    # And cy's home timeline shows the boost among ana's posts, newest first
    home = await api.get("/api/v1/timelines/home", as_="cy")
    assert [(s["id"], (s["reblog"] or {}).get("id")) for s in home.body] == [
        (boost.body["id"], str(post.id)),
        (str(own.id), None),
    ]
    first = await api.get("/api/v1/timelines/home", as_="cy", params={"limit": "1"})
    assert [s["id"] for s in first.body] == [boost.body["id"]]
    older = await api.get("/api/v1/timelines/home", as_="cy", params={"max_id": boost.body["id"]})
    assert [s["id"] for s in older.body] == [str(own.id)]
    newer = await api.get("/api/v1/timelines/home", as_="cy", params={"min_id": str(own.id)})
    assert [s["id"] for s in newer.body] == [boost.body["id"]]
    # And ana's profile shows it among her posts, unless the app asks for no boosts
    profile = await api.get(f"/api/v1/accounts/{ana.actor.id}/statuses")
    assert [s["id"] for s in profile.body] == [boost.body["id"], str(own.id)]
    no_boosts = await api.get(f"/api/v1/accounts/{ana.actor.id}/statuses", params={"exclude_reblogs": "true"})
    assert [s["id"] for s in no_boosts.body] == [str(own.id)]
    # And a members-only post cannot be boosted
    refused = await api.post(f"/api/v1/statuses/{private.id}/reblog", as_="bea")
    assert refused.status == 403 and "boosted" in refused.body["error"]
    # When ana takes her boost back
    undone = await api.post(f"/api/v1/statuses/{post.id}/unreblog", as_="ana")
    # Then the post is as before, everywhere
    assert undone.body["id"] == str(post.id) and undone.body["reblogged"] is False
    assert undone.body["reblogs_count"] == 0
    assert [s["id"] for s in (await api.get("/api/v1/timelines/home", as_="cy")).body] == [str(own.id)]
    assert await kinds_of(api, "bea") == []


async def test_reactions_need_a_signed_in_member_with_write_scope(api) -> None:
    await api.add_member("ana", scopes="read")
    bea = await api.add_member("bea")
    with api.instance.db.active():
        post = await make_post(bea.actor, "<p>hi</p>")
    for action in ("favourite", "reblog"):
        assert (await api.post(f"/api/v1/statuses/{post.id}/{action}", as_="ana")).status == 403
        assert (await api.post(f"/api/v1/statuses/{post.id}/{action}")).status == 401
    assert (await api.post("/api/v1/statuses/1/favourite", as_="bea")).status == 404
    assert (await api.get(f"/api/v1/statuses/{post.id}", as_="bea")).body["favourites_count"] == 0


async def test_favourites_and_boosts_federate_as_like_announce_and_undo(make_api) -> None:
    from mastodon import Mastodon

    # Given bob on beta, followed by ana on alpha, who got his post; and dan on beta who follows ana
    alpha, beta = await make_api("alpha"), await make_api("beta")
    beta.instance.app[RENDER_CACHE].ttl = 0  # counts read at once, not after the cache's few seconds
    await alpha.add_member("ana")
    await beta.add_member("bob")
    await beta.add_member("dan")
    await follow_across(alpha, "ana", beta, "bob")
    await follow_across(beta, "dan", alpha, "ana")
    posted = await beta.post("/api/v1/statuses", as_="bob", data={"status": "Jardin partagé : qui arrose ?"})
    await drain(alpha.instance, beta.instance)
    copy = await copy_of(alpha, "ana", posted.body)
    app = await asyncio.to_thread(
        Mastodon,
        api_base_url=alpha.base_url,
        access_token=alpha.tokens["ana"],
        version_check_mode="created",
        request_timeout=20,
    )
    # When ana favourites and boosts bob's post from her app
    liked = await asyncio.to_thread(app.status_favourite, copy["id"])
    boosted = await asyncio.to_thread(app.status_reblog, copy["id"])
    assert liked.favourited and liked.favourites_count == 1
    assert boosted.reblog.reblogged and str(boosted.reblog.id) == copy["id"]
    await drain(alpha.instance, beta.instance)
    # Then bob's instance counts both and tells him, and dan sees ana's boost at home
    original = await beta.get(f"/api/v1/statuses/{posted.body['id']}", as_="bob")
    assert original.body["favourites_count"] == 1 and original.body["reblogs_count"] == 1
    ana_there = f"ana@{alpha.instance.settings.domain}"
    assert await kinds_of(beta, "bob") == [("reblog", ana_there), ("favourite", ana_there), ("follow", ana_there)]
    home = await beta.get("/api/v1/timelines/home", as_="dan")
    assert [(s["account"]["username"], s["reblog"]["id"]) for s in home.body if s["reblog"]] == [
        ("ana", posted.body["id"])
    ]
    # When she takes both back
    await asyncio.to_thread(app.status_unfavourite, copy["id"])
    await asyncio.to_thread(app.status_unreblog, copy["id"])
    await drain(alpha.instance, beta.instance)
    # Then bob's instance applies the Undo of each
    original = await beta.get(f"/api/v1/statuses/{posted.body['id']}", as_="bob")
    assert original.body["favourites_count"] == 0 and original.body["reblogs_count"] == 0
    assert all(s["reblog"] is None for s in (await beta.get("/api/v1/timelines/home", as_="dan")).body)
    assert await kinds_of(beta, "bob") == [("follow", ana_there)]
