"""Helpers the inbox tests share: a drivers' instance with one member, row counts, and the activities a fake
Mastodon sends (notes, creates, follows), plus a raw POST for bodies that must not be re-encoded."""

from __future__ import annotations

import aiohttp

from fedaid.domain.members import add_member
from fedaid.models import Actor, Delivery, Favourite, Follow, FollowState, InboxItem, Notification, Post

from fakes.remote_instance import AS, FakeRemoteInstance

COUNTED = (InboxItem, Follow, Post, Notification, Favourite, Delivery)


async def start_drivers(make_instance, **overrides):
    instance = await make_instance("drivers", **overrides)
    with instance.db.active():
        await add_member(instance.base_url, "ana", email="ana@example.org", password="correct horse battery")
    return instance


async def row_counts(instance) -> dict[str, int]:
    with instance.db.active():
        return {model.__name__: await model.all().count() for model in COUNTED}


async def remote_actor(instance, ap_id: str) -> Actor:
    with instance.db.active():
        return await Actor.get(ap_id=ap_id)


async def follow_remote(instance, follower_username: str, target_ap_id: str) -> None:
    """A local member already follows a remote actor (accepted), so its posts are relevant here."""
    with instance.db.active():
        follower = await Actor.get(username=follower_username, is_local=True)
        target = await Actor.get(ap_id=target_ap_id)
        await Follow.get_or_create(
            follower=follower,
            target=target,
            defaults={"state": FollowState.ACCEPTED, "ap_id": f"{follower.ap_id}/follows/x"},
        )


def note(
    fake: FakeRemoteInstance, number: int, content: str = "<p>Bonjour</p>", *, user: str = "alice", **fields
) -> dict:
    actor = fake.actor_id(user)
    return {
        "id": fake.url(f"/users/{user}/statuses/{number}"),
        "type": "Note",
        "attributedTo": actor,
        "content": content,
        "published": "2026-01-05T10:00:00Z",
        "to": [f"{AS}#Public"],
        "cc": [f"{actor}/followers"],
        **fields,
    }


def create(fake: FakeRemoteInstance, obj: dict, *, user: str = "alice") -> dict:
    return {
        "@context": AS,
        "id": f"{obj['id']}/activity",
        "type": "Create",
        "actor": fake.actor_id(user),
        "published": obj.get("published"),
        "to": obj.get("to"),
        "cc": obj.get("cc"),
        "object": obj,
    }


def follow(fake: FakeRemoteInstance, target: str, number: int = 1, *, user: str = "alice") -> dict:
    return {
        "@context": AS,
        "id": fake.url(f"/follows/{user}/{number}"),
        "type": "Follow",
        "actor": fake.actor_id(user),
        "object": target,
    }


async def post_raw(url: str, body: bytes, headers: dict[str, str]) -> int:
    async with aiohttp.ClientSession() as session, session.post(url, data=body, headers=headers) as response:
        await response.read()
        return response.status
