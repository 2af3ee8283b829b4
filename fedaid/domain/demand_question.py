"""Our demands on the wire: the Question each one is, who hears of it, and the batched Update(Question).

Counts, status and co-signers change often (a burst of supports): each change marks the demand
`needs_update`, and `send_due_updates` sends at most one Update(Question) per demand per interval, claiming
each demand with a conditional UPDATE so that several workers never send the same one twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from fedaid.activitypub.attachments import render_attachments
from fedaid.activitypub.notes import origin_of
from fedaid.activitypub.questions import demand_content, render_question, render_question_update
from fedaid.clock import utcnow
from fedaid.domain import media
from fedaid.domain.publish import followers_of, publish
from fedaid.models import (
    Actor,
    Demand,
    DemandCosigner,
    DemandStatus,
    DemandStatusChange,
    Notification,
    NotificationKind,
    Poll,
    PollVote,
    Post,
)

BATCH = 100
DEFAULT_INTERVAL = timedelta(seconds=60)


async def question_of(demand: Demand, *, now: datetime | None = None) -> dict[str, Any]:
    """The Question a published demand of ours is, as its URL serves it and its activities carry it, with the
    pictures and documents of its post as a Note's `attachment`."""
    collective = demand.collective if isinstance(demand.collective, Actor) else await Actor.get(id=demand.collective_id)
    poll = await Poll.get(post_id=demand.post_id)
    post = await Post.get(id=demand.post_id)
    return render_question(
        demand,
        collective,
        content=post.content or demand_content(demand, language=demand.language),
        attachments=render_attachments(await media.media_of(post), base_url=origin_of(collective.ap_id)),
        voters_count=poll.voters_count,
        history=await DemandStatusChange.filter(demand_id=demand.id)
        .exclude(status=DemandStatus.DRAFT)
        .order_by("changed_at", "id"),
        cosigners=await DemandCosigner.filter(demand_id=demand.id).order_by("signed_at", "id"),
        now=now or utcnow(),
    )


async def recipients_of(demand: Demand) -> list[Actor]:
    """The collective's followers, the remote actors who voted, and the co-signing collectives."""
    collective = await Actor.get(id=demand.collective_id)
    found = {actor.id: actor for actor in await followers_of(collective)}
    voters = await Actor.filter(poll_votes__poll__post_id=demand.post_id, is_local=False, deleted_at__isnull=True)
    cosigners = await Actor.filter(
        ap_id__in=await DemandCosigner.filter(demand_id=demand.id).values_list("group_ap_id", flat=True),
        is_local=False,
    )
    for actor in [*voters, *cosigners]:
        found.setdefault(actor.id, actor)
    return list(found.values())


async def send_due_updates(now: datetime | None = None, *, interval: timedelta = DEFAULT_INTERVAL) -> int:
    """One pass: close our demands whose deadline passed, then send the due Update(Question)s. Returns how many."""
    moment = now or utcnow()
    done = await close_ended(moment)
    due = await (
        Demand.filter(is_local=True, needs_update=True, post_id__isnull=False)
        .filter(Q(update_sent_at__isnull=True) | Q(update_sent_at__lte=moment - interval))
        .order_by("id")
        .limit(BATCH)
    )
    for demand in due:
        done += await _send_update(demand, moment, interval)
    return done


async def _send_update(demand: Demand, now: datetime, interval: timedelta) -> int:
    async with in_transaction():
        claimed = (
            await Demand.filter(id=demand.id, needs_update=True)
            .filter(Q(update_sent_at__isnull=True) | Q(update_sent_at__lte=now - interval))
            .update(needs_update=False, update_sent_at=now)
        )
        if not claimed:
            return 0  # another worker sent it
        question = await question_of(demand, now=now)
        update = render_question_update(question, sequence=int(now.timestamp() * 1000))
        await publish(update, sender=await Actor.get(id=demand.collective_id), to=await recipients_of(demand), now=now)
    return 1


async def close_ended(now: datetime) -> int:
    """Our polls past their end are closed: an Update says so, and voters and the drafter are told (Mastodon's
    `poll` notification)."""
    ended = await Poll.filter(post__is_local=True, closed_at__isnull=True, expires_at__lte=now).limit(BATCH)
    closed = 0
    for poll in ended:
        async with in_transaction():
            if not await Poll.filter(id=poll.id, closed_at__isnull=True).update(closed_at=poll.expires_at):
                continue
            closed += 1
            demand = await Demand.get_or_none(post_id=poll.post_id)
            voters = await PollVote.filter(poll_id=poll.id, voter__is_local=True).values_list("voter_id", flat=True)
            recipients = dict.fromkeys([*voters, *([demand.author_id] if demand and demand.author_id else [])])
            for actor_id in recipients:
                await Notification.create(recipient_id=actor_id, kind=NotificationKind.POLL, post_id=poll.post_id)
            if demand is not None:
                await Demand.filter(id=demand.id).update(needs_update=True)
    return closed


class DemandUpdates:
    """The worker's job: `send_due_updates` with the instance's interval and clock."""

    def __init__(self, interval: timedelta = DEFAULT_INTERVAL, *, clock=utcnow) -> None:
        self._interval, self._clock = interval, clock

    async def run_once(self) -> int:
        return await send_due_updates(self._clock(), interval=self._interval)
