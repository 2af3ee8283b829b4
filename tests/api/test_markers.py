"""Markers: reading positions stored per member, shared by their apps, and the unread notification count."""

from __future__ import annotations

import asyncio

import pytest
from factories import make_post

from fedaid.models import Notification, NotificationKind

mastodon = pytest.importorskip("mastodon")


async def test_markers_are_stored_per_member_and_count_unread_notifications(api) -> None:
    # Given two members, and two notifications for ana
    ana, bea = await api.add_member("ana"), await api.add_member("bea")
    with api.instance.db.active():
        post = await make_post(bea.actor, "<p>hello</p>")
        first = await Notification.create(
            recipient=ana.actor, kind=NotificationKind.FAVOURITE, from_actor=bea.actor, post=post
        )
        await Notification.create(recipient=ana.actor, kind=NotificationKind.FOLLOW, from_actor=bea.actor)
    assert (await api.get("/api/v1/markers", as_="ana")).body == {}
    assert (await api.get("/api/v1/notifications/unread_count", as_="ana")).body == {"count": 2}
    # When ana's app saves where she stopped, as a form and then as JSON
    saved = await api.post(
        "/api/v1/markers",
        as_="ana",
        data={"home[last_read_id]": str(post.id), "notifications[last_read_id]": str(first.id)},
    )
    assert saved.status == 200 and saved.body["home"]["last_read_id"] == str(post.id)
    moved = await api.post("/api/v1/markers", as_="ana", json={"home": {"last_read_id": "42"}})
    # Then each change counts in the version, and another app reads the same markers
    assert moved.body == {"home": {**moved.body["home"], "last_read_id": "42", "version": 2}}
    both = await api.get("/api/v1/markers", as_="ana", params=[("timeline[]", "home"), ("timeline[]", "notifications")])
    assert both.body["home"]["last_read_id"] == "42"
    assert both.body["notifications"] == {**both.body["notifications"], "last_read_id": str(first.id), "version": 1}
    only_home = await api.get("/api/v1/markers", as_="ana", params={"timeline[]": "home"})
    assert list(only_home.body) == ["home"]
    assert (await api.get("/api/v1/notifications/unread_count", as_="ana")).body == {"count": 1}
    # And they are ana's only; bad input is refused with a reason and changes nothing
    assert (await api.get("/api/v1/markers", as_="bea")).body == {}
    refused = await api.post("/api/v1/markers", as_="ana", json={"home": {"last_read_id": ""}})
    assert refused.status == 400 and "last_read_id" in refused.body["error"]
    assert (await api.post("/api/v1/markers", as_="ana", json={})).status == 400
    assert (await api.get("/api/v1/markers", as_="ana")).body["home"]["last_read_id"] == "42"
    assert (await api.get("/api/v1/markers")).status == 401


async def test_mastodon_py_sets_and_reads_markers(api) -> None:
    from mastodon import Mastodon

    await api.add_member("ana")
    client = await asyncio.to_thread(
        Mastodon,
        api_base_url=api.base_url,
        access_token=api.tokens["ana"],
        version_check_mode="created",
        request_timeout=20,
    )
    await asyncio.to_thread(client.markers_set, ["home", "notifications"], ["110", "7"])
    markers = await asyncio.to_thread(client.markers_get, ["home", "notifications"])
    assert markers.home.last_read_id == "110" and markers.notifications.last_read_id == "7"
    assert markers.home.version == 1
