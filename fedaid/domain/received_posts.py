"""Posts received from elsewhere: Create, Update and Delete of a post, boosts, and the activities a Group
we follow distributes for its members (FEP-1b12).

Each function is idempotent: an activity applied twice, or the same post arriving by two paths (a
plain Announce and a FEP-1b12 wrapped Create), changes nothing the second time.
"""

from __future__ import annotations

from fedaid.activitypub.parse import NoteDoc, same_origin
from fedaid.activitypub.parse.inbound import Boosted, PostCreated, PostDeleted, PostUpdated, Wrapped
from fedaid.activitypub.vocab import ActivityType
from fedaid.domain import reactions, remote_events, remote_posts
from fedaid.domain.follows import is_followed_here
from fedaid.domain.inbound import Incoming
from fedaid.errors import InvalidActivity
from fedaid.models import Actor, ActorType, Post


async def receive_post_created(incoming: Incoming, created: PostCreated) -> None:
    """Keep a post when someone here follows, is addressed by or was replied to by its author."""
    if created.event is not None:  # a session published elsewhere
        await remote_events.receive_event(created.event, incoming.actor)
        if created.event.attributed_to != incoming.actor.ap_id:
            return  # a group's event sent by its organiser (Mobilizon): a session here, not the group's post
    note = created.note
    if note is None:
        if created.event is not None:
            return  # an Event that is not also a post
        note, _ = await incoming.remote.fetch_note(created.ap_id, incoming.actor)  # an id only: ask its origin
    await _store_note(incoming, note, incoming.actor)


async def receive_post_updated(incoming: Incoming, updated: PostUpdated) -> None:
    """An edit by the post's author, applied when newer than our copy; a session moved or cancelled."""
    if updated.event is not None:
        await remote_events.receive_event(updated.event, incoming.actor)
        if updated.event.attributed_to != incoming.actor.ap_id:
            return  # a group's event moved by its organiser: the session is updated, there is no post
    if updated.note is not None:
        await remote_posts.update_remote_note(
            updated.note, incoming.actor, outside_proposals=incoming.outside_proposals
        )


async def receive_post_deleted(incoming: Incoming, deleted: PostDeleted) -> None:
    """The author deleted a post or a session of theirs."""
    await remote_events.receive_event_delete(deleted.ap_id, incoming.actor)
    await remote_posts.delete_remote_post(deleted.ap_id, incoming.actor)


async def receive_boost(incoming: Incoming, boosted: Boosted) -> None:
    """A plain boost: kept for a post we have (its local author hears of it); a followed actor's boost brings
    the post here."""
    if boosted.object_ap_id is None:
        return
    booster = incoming.actor
    post = await Post.get_or_none(ap_id=boosted.object_ap_id)
    if post is not None:
        await reactions.receive_boost(post, booster, boosted.ap_id)
        return  # already here, e.g. by the wrapped Create the same Group sent (FEP-1b12): stored once
    if not await is_followed_here(booster):
        return
    note, author = await incoming.remote.fetch_note(boosted.object_ap_id)
    await _store_note(incoming.sent_by(author, via_group=booster if booster.is_group else None), note, author)
    if (post := await Post.get_or_none(ap_id=note.ap_id)) is not None:
        await reactions.receive_boost(post, booster, boosted.ap_id)  # so followers see it in their home timeline


async def receive_wrapped(incoming: Incoming, wrapped: Wrapped) -> None:
    """A Group we follow distributes a member's Create, Update or Delete unchanged (FEP-1b12)."""
    group, inner = incoming.actor, wrapped.inner
    if group.type != ActorType.GROUP or not await is_followed_here(group):
        return  # only the groups we follow speak for their members here
    if inner.type not in (ActivityType.CREATE, ActivityType.UPDATE, ActivityType.DELETE):
        return  # Announce(Like), Announce(Undo)...: nothing we keep
    if same_origin(inner.ap_id, group.ap_id):
        # The group's server is the inner activity's origin: it vouches for it (FEP-fe34).
        await incoming.remote.apply(inner, via_group=group)
        return
    await _apply_confirmed(incoming, inner.type, inner.actor_ap_id, inner.object_ap_id or "")


async def _apply_confirmed(incoming: Incoming, kind: str, author_ap_id: str, object_ap_id: str) -> None:
    """The inner activity is not signed by its actor: confirm it with its origin first (FEP-1b12, "Group
    distribution"; Lemmy and Mastodon fetch the object rather than trust the relayed copy)."""
    group = incoming.actor
    author = await incoming.remote.actor(author_ap_id)
    if kind == ActivityType.DELETE:
        if await incoming.remote.is_gone(object_ap_id):
            await remote_posts.delete_remote_post(object_ap_id, author)
        return
    note, note_author = await incoming.remote.fetch_note(object_ap_id, author)
    if note_author.ap_id != author.ap_id:
        raise InvalidActivity("the announced object is attributed to another actor than its activity's")
    sub = incoming.sent_by(author, via_group=group)
    if kind == ActivityType.CREATE:
        await _store_note(sub, note, author)
    elif not await remote_posts.update_remote_note(note, author, outside_proposals=incoming.outside_proposals):
        await _store_note(sub, note, author)  # an edit of a post we had not seen yet


async def _store_note(incoming: Incoming, note: NoteDoc, author: Actor) -> None:
    if note.attributed_to != author.ap_id:
        raise InvalidActivity("the object is attributed to another actor than the one who created it")
    followed = author.ap_id in incoming.followed_senders
    if incoming.via_group is None and not followed and not await remote_posts.is_relevant(note, author):
        return  # nobody here follows, is addressed by or was replied to by it
    await remote_posts.store_remote_note(
        note,
        author,
        visibility=await remote_posts.visibility_for(note),
        audience=incoming.via_group,
        outside_proposals=incoming.outside_proposals,
        collective_ap_id=incoming.collective_ap_id,
        max_thread_depth=incoming.thread_fetch_depth,
    )
