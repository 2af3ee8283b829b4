"""Votes in polls: each actor counted once in our polls (a demand's support), our members' votes sent to the owners
of other polls, and the polls of posts for the client API.

A vote in one of our polls inserts a `PollVote` (unique per poll, voter and choice) and adds one to the poll's
`voters_count` in the same transaction, so votes racing each other on SQLite or PostgreSQL count exactly once.
A remote poll's counts are what its server last said (`store_remote_poll`). No HTTP here: votes we send are
`Delivery` rows written with the vote.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from fedaid.activitypub.parse import JSONDict
from fedaid.activitypub.questions import VoteDoc, parse_poll, render_vote, render_vote_delete
from fedaid.clock import utcnow
from fedaid.domain.publish import publish
from fedaid.errors import Conflict, Forbidden, InvalidActivity, InvalidInput, NotFound
from fedaid.models import Actor, Demand, DemandStatus, Poll, PollVote, Post
from fedaid.models.ids import new_id
from fedaid.storage.statements import rows_held_by

log = logging.getLogger("fedaid.polls")

# A demand gathers support from its publication until it is won, lost or withdrawn (and until its deadline).
SUPPORTABLE = (DemandStatus.OPEN, DemandStatus.DELIVERED, DemandStatus.ANSWERED)


# ---------------------------------------------------------------- reading


async def get_poll(poll_id: int | str) -> Poll:
    """A poll with its post and the post's author; NotFound (Mastodon's 404) otherwise."""
    try:
        number = int(poll_id)
    except (TypeError, ValueError):
        raise NotFound("Record not found") from None
    poll = await Poll.get_or_none(id=number).select_related("post__author")
    if poll is None or poll.post.is_deleted:
        raise NotFound("Record not found")
    return poll


async def polls_of_posts(post_ids: Iterable[int]) -> dict[int, Poll]:
    """The polls of these posts, by post id."""
    return {poll.post_id: poll for poll in await rows_held_by(Poll, "post_id", list(post_ids))}


async def own_choices(poll_ids: Iterable[int], voter: Actor | None) -> dict[int, list[int]]:
    """The options `voter` chose, by poll id (empty when anonymous)."""
    ids = list(poll_ids)
    if voter is None or not ids:
        return {}
    chosen: dict[int, list[int]] = defaultdict(list)
    for poll_id, choice in (
        await PollVote.filter(voter_id=voter.id, poll_id__in=ids).order_by("choice").values_list("poll_id", "choice")
    ):
        chosen[poll_id].append(choice)
    return chosen


def has_ended(poll: Poll, now: datetime | None = None) -> bool:
    moment = now or utcnow()
    return poll.closed_at is not None or (poll.expires_at is not None and poll.expires_at <= moment)


def option_counts(poll: Poll, *, is_local: bool) -> list[int]:
    """Votes per option: ours counted here (our polls have one option), others' as their server said."""
    if is_local:
        return [poll.voters_count] * len(poll.options)
    return [int(count or 0) for count in poll.counts] + [0] * (len(poll.options) - len(poll.counts))


# ---------------------------------------------------------------- our members vote


async def vote(
    poll: Poll, voter: Actor, choices: Sequence[int], *, is_named: bool = False, now: datetime | None = None
) -> Poll:
    """A member votes (client API, pages): counted here in our polls, sent to the owner of another's poll."""
    moment = now or utcnow()
    post = await _post_of(poll)
    picked = _check_choices(poll, choices)
    if not voter.is_local:
        raise Forbidden("Only a member of this instance votes here.")
    await _check_open(poll, post, moment)
    if post.is_local:
        if not await count_vote(poll, voter, picked[0], is_named=is_named):
            raise Conflict("You have already voted on this poll.")
    else:
        await _send_votes(poll, post, voter, picked, is_named=is_named, now=moment)
    await poll.refresh_from_db()
    return poll


async def _send_votes(
    poll: Poll, post: Post, voter: Actor, choices: list[int], *, is_named: bool, now: datetime
) -> None:
    owner = post.author if isinstance(post.author, Actor) else await Actor.get(id=post.author_id)
    try:
        async with in_transaction():
            for choice in choices:
                vote_id = new_id()
                note_id = f"{voter.ap_id}#votes/{vote_id}"
                await PollVote.create(
                    id=vote_id, poll=poll, voter=voter, choice=choice, is_named=is_named, ap_id=note_id
                )
                activity = render_vote(
                    note_id=note_id,
                    voter=voter,
                    question_ap_id=post.ap_id,
                    owner_ap_id=owner.ap_id,
                    option=poll.options[choice],
                    is_named=is_named,
                )
                await publish(activity, sender=voter, to=[owner], now=now)
    except IntegrityError as err:
        raise Conflict("You have already voted on this poll.") from err


async def withdraw_vote(poll: Poll, voter: Actor, *, now: datetime | None = None) -> Poll:
    """A member takes their vote back before the end: uncounted here, or a Delete of each vote sent to the owner."""
    moment = now or utcnow()
    post = await _post_of(poll)
    if has_ended(poll, moment):
        raise Conflict("This poll has ended: a vote can no longer be taken back.")
    votes = await PollVote.filter(poll_id=poll.id, voter_id=voter.id)
    if not votes:
        raise Conflict("You have not voted on this poll.")
    for row in votes:
        await _uncount(poll, row, is_local=post.is_local, now=moment)
        if not post.is_local and row.ap_id:
            owner = await Actor.get(id=post.author_id)
            async with in_transaction():
                await publish(
                    render_vote_delete(note_id=row.ap_id, voter=voter, owner_ap_id=owner.ap_id),
                    sender=voter,
                    to=[owner],
                )
    await poll.refresh_from_db()
    return poll


# ---------------------------------------------------------------- votes from elsewhere


async def receive_vote(vote: VoteDoc, voter: Actor, *, now: datetime | None = None) -> bool:
    """A vote in one of our polls, from Mastodon or another fedaid: True when it was counted.

    Refused (nothing counted, the reason logged) after the end, for an option the poll does not have, or
    when the demand no longer gathers support; the same actor's second vote changes nothing.
    """
    if vote.voter != voter.ap_id:
        raise InvalidActivity("the vote belongs to another actor than its sender")
    poll = await Poll.get_or_none(post__ap_id=vote.question, post__is_local=True).select_related("post")
    if poll is None:
        return False
    if vote.choice not in poll.options:
        log.info("vote refused: no such option", extra={"vote": vote.ap_id, "option": vote.choice})
        return False
    try:
        await _check_open(poll, poll.post, now or utcnow())
    except Conflict as err:
        log.info("vote refused", extra={"vote": vote.ap_id, "reason": str(err)})
        return False
    counted = await count_vote(
        poll,
        voter,
        poll.options.index(vote.choice),
        is_named=vote.is_named,
        ap_id=vote.ap_id,
        activity_ap_id=vote.activity_ap_id,
    )
    if not counted:
        log.info("vote not counted again", extra={"vote": vote.ap_id, "voter": voter.ap_id})
    return counted


async def receive_vote_withdrawal(voter: Actor, ref: str, *, now: datetime | None = None) -> bool:
    """A Delete or Undo of a vote Note (by the note's id or its Create's): True when `ref` was a vote here."""
    row = await PollVote.filter(Q(ap_id=ref) | Q(activity_ap_id=ref), voter_id=voter.id).first()
    if row is None:
        return False
    poll = await Poll.get(id=row.poll_id).select_related("post")
    if not poll.post.is_local:
        return False
    if has_ended(poll, now):
        log.info("vote withdrawal refused: the poll has ended", extra={"vote": row.ap_id})
        return True
    await _uncount(poll, row, is_local=True, now=now or utcnow())
    return True


# ---------------------------------------------------------------- counting


async def count_vote(
    poll: Poll,
    voter: Actor,
    choice: int,
    *,
    is_named: bool,
    ap_id: str | None = None,
    activity_ap_id: str | None = None,
) -> bool:
    """Insert the vote and count it in one transaction; False when this actor had already chosen it."""
    try:
        async with in_transaction():
            await PollVote.create(
                id=new_id(),
                poll_id=poll.id,
                voter_id=voter.id,
                choice=choice,
                is_named=is_named,
                ap_id=ap_id,
                activity_ap_id=activity_ap_id,
            )
            await Poll.filter(id=poll.id).update(voters_count=F("voters_count") + 1)
            await Demand.filter(post_id=poll.post_id, is_local=True).update(needs_update=True)
    except IntegrityError:
        return False
    return True


async def _uncount(poll: Poll, row: PollVote, *, is_local: bool, now: datetime) -> None:
    async with in_transaction():
        removed = await PollVote.filter(id=row.id).delete()
        if removed and is_local:
            await Poll.filter(id=poll.id).update(voters_count=F("voters_count") - 1)
            await Demand.filter(post_id=poll.post_id, is_local=True).update(needs_update=True)


# ---------------------------------------------------------------- polls from elsewhere


async def store_remote_poll(post: Post, doc: JSONDict, *, now: datetime | None = None) -> Poll | None:
    """Keep (or refresh) the poll of a received Question: its options and the counts its server gives."""
    try:
        found = parse_poll(doc)
    except InvalidActivity as err:
        log.info("poll not kept", extra={"post": post.ap_id, "reason": str(err)})
        return None
    if found is None:
        return None
    values = {
        "options": list(found.options),
        "counts": list(found.counts),
        "is_multiple": found.is_multiple,
        "voters_count": found.voters_count,
        "expires_at": found.expires_at,
        "closed_at": found.closed_at,
        "refreshed_at": now or utcnow(),
    }
    poll = await Poll.get_or_none(post_id=post.id)
    if poll is None:
        try:
            return await Poll.create(id=new_id(), post_id=post.id, **values)
        except IntegrityError:  # kept meanwhile by another worker
            poll = await Poll.get(post_id=post.id)
    await Poll.filter(id=poll.id).update(**values)
    await poll.refresh_from_db()
    return poll


# ---------------------------------------------------------------- checks


async def _post_of(poll: Poll) -> Post:
    post = poll.post if isinstance(getattr(poll, "post", None), Post) else None
    if post is None:
        post = await Post.get(id=poll.post_id).select_related("author")
        poll.post = post
    return post


def _check_choices(poll: Poll, choices: Sequence[int]) -> list[int]:
    picked = list(dict.fromkeys(choices))
    if not picked:
        raise InvalidInput("Choose an option.")
    if any(not 0 <= choice < len(poll.options) for choice in picked):
        raise InvalidInput("This poll has no such option.")
    if len(picked) > 1 and not poll.is_multiple:
        raise InvalidInput("This poll takes one choice only.")
    return picked


async def _check_open(poll: Poll, post: Post, now: datetime) -> None:
    if has_ended(poll, now):
        raise Conflict("This poll has ended.")
    if post.is_local:
        status = await Demand.filter(post_id=post.id).values_list("status", flat=True)
        if status and status[0] not in SUPPORTABLE:
            raise Conflict("This demand no longer gathers support.")
