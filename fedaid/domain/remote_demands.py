"""Questions from elsewhere: the poll every Question carries, and the demand a fedaid Question describes.

Called when a Question arrives (Create, or a followed Group's Announce) and on every Update(Question), even
one without a newer `updated`: a poll's counts change without the post being edited, as Mastodon sends them
(mastodon/mastodon app/services/activitypub/process_status_update_service.rb, `handle_implicit_update!`).
"""

from __future__ import annotations

from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from fedaid.activitypub.parse import NoteDoc
from fedaid.activitypub.questions import DemandDoc, parse_demand, parse_poll
from fedaid.clock import utcnow
from fedaid.domain import polls
from fedaid.errors import InvalidActivity
from fedaid.models import (
    Actor,
    Demand,
    DemandCosigner,
    DemandStatus,
    DemandStatusChange,
    Notification,
    NotificationKind,
    PollVote,
    Post,
)
from fedaid.models.ids import new_id


async def store_remote_question(post: Post, note: NoteDoc, author: Actor) -> None:
    """Keep the poll of a received Question and, when another fedaid sent it, its demand."""
    if note.type != "Question":
        return
    await polls.store_remote_poll(post, note.raw)
    found = parse_demand(note.raw)
    if found is not None and author.is_group:
        await _store_demand(post, note, author, found)


async def refresh_remote_question(note: NoteDoc, author: Actor) -> bool:
    """An Update(Question) from its author: new counts, status and co-signers for the post we have."""
    if note.attributed_to != author.ap_id:
        raise InvalidActivity("the Question is attributed to another actor than the one who sent it")
    post = await Post.get_or_none(ap_id=note.ap_id, author_id=author.id, is_local=False, deleted_at=None)
    if post is None:
        return False
    await store_remote_question(post, note, author)
    return True


async def _store_demand(post: Post, note: NoteDoc, collective: Actor, found: DemandDoc) -> None:
    values = {
        "title": (note.name or "-")[:200],
        "text": "",
        "target": found.target[:300],
        "claims": list(found.claims),
        "deadline": _end_time(note),
        "status": found.status,
        "language": (note.language or "fr")[:16],
        "published_at": note.published_at or utcnow(),
        "updated_at": note.updated_at,
    }
    demand = await Demand.get_or_none(ap_id=note.ap_id)
    async with in_transaction():
        if demand is None:
            try:
                demand = await Demand.create(
                    id=new_id(), ap_id=note.ap_id, collective=collective, post=post, is_local=False, **values
                )
            except IntegrityError:
                return  # kept meanwhile by another worker
            previous = None
        else:
            if demand.collective_id != collective.id:
                raise InvalidActivity("the demand belongs to another collective")
            previous = demand.status
            await Demand.filter(id=demand.id).update(**values)
        await _replace_history(demand, found)
        await _replace_cosigners(demand, found)
        if previous is not None and previous != found.status:
            await _notify_local_supporters(post, collective)


def _end_time(note: NoteDoc) -> datetime | None:
    try:
        poll = parse_poll(note.raw)
    except InvalidActivity:
        return None
    return poll.expires_at if poll else None


async def _replace_history(demand: Demand, found: DemandDoc) -> None:
    await DemandStatusChange.filter(demand_id=demand.id).delete()
    seen: set[DemandStatus] = set()
    for status, moment in found.history:
        if status not in seen:
            seen.add(status)
            await DemandStatusChange.create(demand_id=demand.id, status=status, changed_at=moment)


async def _replace_cosigners(demand: Demand, found: DemandDoc) -> None:
    """The co-signers as the demand's own collective lists them (its server checked each endorsement)."""
    await DemandCosigner.filter(demand_id=demand.id).delete()
    now = utcnow()
    seen: set[str] = set()
    for cosigner in found.cosigners:
        if cosigner.ap_id not in seen:
            seen.add(cosigner.ap_id)
            await DemandCosigner.create(
                demand_id=demand.id, group_ap_id=cosigner.ap_id, name=cosigner.name, url=cosigner.url, signed_at=now
            )


async def _notify_local_supporters(post: Post, collective: Actor) -> None:
    voters = await PollVote.filter(poll__post_id=post.id, voter__is_local=True).values_list("voter_id", flat=True)
    for actor_id in dict.fromkeys(voters):
        await Notification.create(
            recipient_id=actor_id, kind=NotificationKind.DEMAND, from_actor_id=collective.id, post_id=post.id
        )
