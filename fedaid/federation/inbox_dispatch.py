"""The one `match` from a received activity, read into a typed message, to the domain function that applies it.

The inbox worker (`inbox_worker.py`) calls it once it has the sender; nothing here decides or writes.
"""

from __future__ import annotations

import logging

from fedaid.activitypub.parse import inbound as msg
from fedaid.domain import (
    answers,
    follows,
    moderation,
    reactions,
    received_posts,
    received_sessions,
    remote_accounts,
)
from fedaid.domain.inbound import Incoming

log = logging.getLogger("fedaid.inbox_worker")


async def dispatch(incoming: Incoming, received: msg.Received) -> None:
    """Hand a received activity to the one domain function that applies it."""
    match received:
        case msg.FollowRequested():
            await follows.receive_follow_request(incoming, received)
        case msg.Answered():
            await answers.receive_answer(incoming, received)
        case msg.Undone():
            await answers.receive_undo(incoming, received)
        case msg.AgreementOffered():
            await answers.receive_offer(incoming, received)
        case msg.AgreementConfirmed():
            await answers.receive_confirmation(incoming, received)
        case msg.PostCreated():
            await received_posts.receive_post_created(incoming, received)
        case msg.PostUpdated():
            await received_posts.receive_post_updated(incoming, received)
        case msg.PostDeleted():
            await received_posts.receive_post_deleted(incoming, received)
        case msg.Boosted():
            await received_posts.receive_boost(incoming, received)
        case msg.Wrapped():
            await received_posts.receive_wrapped(incoming, received)
        case msg.ActorUpdated():
            await remote_accounts.receive_actor_updated(incoming, received)
        case msg.ActorDeleted():
            await remote_accounts.receive_actor_deleted(received.ap_id)
        case msg.Liked():
            await reactions.receive_like(incoming.actor, received)
        case msg.Blocked():
            await remote_accounts.receive_block(incoming, received)
        case msg.Reported():
            await moderation.receive_report(incoming.actor, received)
        case msg.Moved():
            await remote_accounts.receive_move(incoming, received)
        case msg.Joined():
            await received_sessions.receive_join(incoming, received)
        case msg.Left():
            await received_sessions.receive_leave(incoming, received)
        case msg.Arrived():
            await received_sessions.receive_arrive(incoming, received)
        case msg.Ignored(reason=reason):
            log.debug("activity ignored", extra={"actor": incoming.actor.ap_id, "reason": reason})
