"""AS2 documents for follows, their answers, undos, actor updates and deletions, and reports.

Pure: loaded rows in, dicts out (STYLE "render_*"). Notes and their Create/Update/Delete/Announce
live in `activitypub/notes.py`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fedaid.activitypub.actors import render_actor
from fedaid.activitypub.vocab import AS_CONTEXT, PUBLIC, ActivityType
from fedaid.models import Actor, Follow
from fedaid.models.ids import new_id

JSONDict = dict[str, Any]


def follow_ap_id(follower: Actor, row_id: int) -> str:
    """The id of a Follow sent by a local actor: under its owner, unique, dereferenceable (FollowSerializer)."""
    return f"{follower.ap_id}/follows/{row_id}"


def render_follow(follow: Follow, follower: Actor, target: Actor, *, with_context: bool = True) -> JSONDict:
    """A Follow as Mastodon sends it: the target's id as object, nothing else (ActivityPub::FollowSerializer)."""
    doc: JSONDict = {
        "id": follow.ap_id,
        "type": ActivityType.FOLLOW.value,
        "actor": follower.ap_id,
        "object": target.ap_id,
    }
    return {"@context": AS_CONTEXT, **doc} if with_context else doc


def render_accept(follow: Follow, follower: Actor, target: Actor) -> JSONDict:
    """Mastodon's Accept: `<target>#accepts/follows/<n>`, signed by the target, Follow embedded.

    `<n>` is new on every call: a re-sent Follow gets a re-sent Accept, which an already-delivered id
    would keep out of the delivery queue.
    """
    return {
        "@context": AS_CONTEXT,
        "id": f"{target.ap_id}#accepts/follows/{new_id()}",
        "type": ActivityType.ACCEPT.value,
        "actor": target.ap_id,
        "object": render_follow(follow, follower, target, with_context=False),
    }


def render_reject(follow: Follow, follower: Actor, target: Actor) -> JSONDict:
    """A refusal, or "remove this follower": Mastodon's RejectFollowSerializer shape, Follow embedded."""
    return {
        "@context": AS_CONTEXT,
        "id": f"{target.ap_id}#rejects/follows/{new_id()}",
        "type": ActivityType.REJECT.value,
        "actor": target.ap_id,
        "object": render_follow(follow, follower, target, with_context=False),
    }


def render_undo(activity: JSONDict, actor: Actor) -> JSONDict:
    """Undo of one of `actor`'s activities, embedded without its @context (mastodon/mastodon#4906)."""
    inner = {key: value for key, value in activity.items() if key != "@context"}
    return {
        "@context": AS_CONTEXT,
        "id": f"{inner['id']}/undo/{new_id()}",
        "type": ActivityType.UNDO.value,
        "actor": actor.ap_id,
        "object": inner,
    }


def render_undo_follow(follow: Follow, follower: Actor, target: Actor) -> JSONDict:
    return render_undo(render_follow(follow, follower, target), follower)


def render_update_actor(actor: Actor) -> JSONDict:
    """Update(actor) with the full new document, to everyone who knows the actor."""
    return {
        "@context": AS_CONTEXT,
        "id": f"{actor.ap_id}#updates/{new_id()}",
        "type": ActivityType.UPDATE.value,
        "actor": actor.ap_id,
        "to": [PUBLIC],
        "object": render_actor(actor),
    }


def render_delete_actor(actor: Actor) -> JSONDict:
    """Mastodon's Delete of a whole actor: `<actor>#delete`, object = the actor id, public (DeleteActorSerializer)."""
    return {
        "@context": AS_CONTEXT,
        "id": f"{actor.ap_id}#delete",
        "type": ActivityType.DELETE.value,
        "actor": actor.ap_id,
        "to": [PUBLIC],
        "object": actor.ap_id,
    }


def render_flag(
    instance: Actor, reported: Actor, post_ap_ids: Iterable[str], comment: str, report_ap_id: str
) -> JSONDict:
    """A report sent by the instance actor, as Mastodon sends it: object = [actor, posts...] (its spec page, #Flag)."""
    return {
        "@context": AS_CONTEXT,
        "id": report_ap_id,
        "type": ActivityType.FLAG.value,
        "actor": instance.ap_id,
        "content": comment,
        "object": [reported.ap_id, *post_ap_ids],
        "to": reported.ap_id,
    }
