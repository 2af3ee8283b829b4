"""Collective demands (revendications): draft, publish, move along their statuses, support, co-sign.

A demand belongs to a collective (a local Group). Members draft; admins and organisers publish, change its
status and withdraw it. Publishing writes the Question post, its poll and a Create(Question) for the Group's
followers in one transaction; later changes (counts, status, co-signers) mark it `needs_update`, and
`demand_updates.send_due_updates` sends at most one Update(Question) per demand per interval.
Supports are votes in the demand's poll (`polls`). Pictures and documents (up to four, as on a post) hang on
the draft itself, which has no post yet; publishing puts the same rows on the Question's post, which shows
them everywhere a post's attachments show (the Question's `attachment`, the client API). No HTTP here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from fedaid.activitypub.notes import followers_of_actor, render_announce, render_create
from fedaid.activitypub.parse.demand_steps import Withdrawal
from fedaid.activitypub.questions import SUPPORT_OPTION, demand_content, render_endorsement
from fedaid.activitypub.vocab import PUBLIC
from fedaid.clock import utcnow
from fedaid.domain import media, polls, search
from fedaid.domain.demand_question import question_of
from fedaid.domain.publish import followers_of, publish
from fedaid.errors import Conflict, Forbidden, InvalidInput, NotFound
from fedaid.models import (
    Account,
    AccountRole,
    AccountState,
    Actor,
    ActorType,
    Demand,
    DemandCosigner,
    DemandStatus,
    DemandStatusChange,
    MediaAttachment,
    Notification,
    NotificationKind,
    Poll,
    PollVote,
    Post,
    Visibility,
)
from fedaid.models.ids import new_id

log = logging.getLogger("fedaid.demands")

MAX_TITLE = 200
MAX_TARGET = 300
MAX_TEXT = 5000
MAX_CLAIMS = 20
MAX_CLAIM = 300
# Where each status may be reached from: forward only, and a demand can be withdrawn until it is decided.
TRANSITIONS: dict[DemandStatus, tuple[DemandStatus, ...]] = {
    DemandStatus.OPEN: (DemandStatus.DRAFT,),
    DemandStatus.DELIVERED: (DemandStatus.OPEN,),
    DemandStatus.ANSWERED: (DemandStatus.OPEN, DemandStatus.DELIVERED),
    DemandStatus.WON: (DemandStatus.OPEN, DemandStatus.DELIVERED, DemandStatus.ANSWERED),
    DemandStatus.LOST: (DemandStatus.OPEN, DemandStatus.DELIVERED, DemandStatus.ANSWERED),
    DemandStatus.WITHDRAWN: (DemandStatus.DRAFT, DemandStatus.OPEN, DemandStatus.DELIVERED, DemandStatus.ANSWERED),
}


@dataclass(frozen=True)
class DemandTerms:
    """What a demand says: its title, text, who it is addressed to, its claims and its deadline."""

    title: str
    text: str = ""
    target: str = ""
    claims: Sequence[str] = ()
    deadline: datetime | None = None
    language: str = "fr"


# ---------------------------------------------------------------- reading


async def get_demand(demand_id: int | str) -> Demand:
    """A demand with its collective loaded; NotFound otherwise."""
    try:
        number = int(demand_id)
    except (TypeError, ValueError):
        raise NotFound("There is no such demand.") from None
    demand = await Demand.get_or_none(id=number).select_related("collective")
    if demand is None:
        raise NotFound("There is no such demand.")
    return demand


async def find_demand_by_ap_id(ap_id: str) -> Demand | None:
    return await Demand.get_or_none(ap_id=ap_id).select_related("collective")


async def can_organise(actor: Actor) -> bool:
    """Admins and organisers publish demands and change their status."""
    account = await Account.get_or_none(actor_id=actor.id, state=AccountState.APPROVED)
    return account is not None and account.is_organiser


async def can_cosign(actor: Actor) -> bool:
    """Only admins co-sign another collective's demand: it speaks for the whole collective."""
    account = await Account.get_or_none(actor_id=actor.id, state=AccountState.APPROVED)
    return account is not None and account.is_admin


async def _require_organiser(actor: Actor) -> None:
    if not await can_organise(actor):
        raise Forbidden("Only the collective's admins and organisers can do this.")


# ---------------------------------------------------------------- drafting


async def draft_demand(
    author: Actor,
    terms: DemandTerms,
    *,
    collective: Actor | None = None,
    attachments: Sequence[MediaAttachment] = (),
    now: datetime | None = None,
) -> Demand:
    """A member drafts a demand of their collective; nobody else sees it until it is published. `attachments`
    are uploads checked by `media.check_attachable`."""
    if not author.is_local or author.is_deleted:
        raise Forbidden("Only a member of this instance can draft a demand.")
    collective = collective or await _default_collective()
    values = _checked(terms)
    media.check_count(len(attachments))
    async with in_transaction():
        demand = await Demand.create(id=new_id(), collective=collective, author=author, is_local=True, **values)
        await DemandStatusChange.create(demand=demand, status=DemandStatus.DRAFT, changed_at=now or utcnow())
        await media.attach(demand, attachments, is_new=True)
    return demand


async def edit_demand(
    demand: Demand, *, by: Actor, terms: DemandTerms, attachments: Sequence[MediaAttachment] | None = None
) -> Demand:
    """Change a draft (its author or an organiser). `attachments` (those kept, then new uploads checked by
    `media.check_attachable`) replace the draft's; None leaves them as they are."""
    if demand.status != DemandStatus.DRAFT:
        raise Conflict("Only a draft can be edited; a published demand keeps its words.")
    if demand.author_id != by.id:
        await _require_organiser(by)
    values = _checked(terms)
    if attachments is not None:
        media.check_count(len(attachments))
    for name, value in values.items():
        setattr(demand, name, value)
    async with in_transaction():
        await demand.save(update_fields=list(values))
        if attachments is not None:
            await media.attach(demand, attachments)
    return demand


async def _default_collective() -> Actor:
    found = await Actor.filter(is_local=True, type=ActorType.GROUP, deleted_at__isnull=True).order_by("id").first()
    if found is None:
        raise NotFound("This instance has no collective.")
    return found


def _checked(terms: DemandTerms) -> dict[str, object]:
    title = " ".join(terms.title.split())
    if not title or len(title) > MAX_TITLE:
        raise InvalidInput(f"A title is 1 to {MAX_TITLE} characters.")
    target = " ".join(terms.target.split())
    if len(target) > MAX_TARGET:
        raise InvalidInput(f"The target is at most {MAX_TARGET} characters.")
    if len(terms.text) > MAX_TEXT:
        raise InvalidInput(f"The text is at most {MAX_TEXT} characters.")
    claims = [" ".join(claim.split()) for claim in terms.claims if claim.strip()]
    if len(claims) > MAX_CLAIMS or any(len(claim) > MAX_CLAIM for claim in claims):
        raise InvalidInput(f"At most {MAX_CLAIMS} claims, each at most {MAX_CLAIM} characters.")
    return {
        "title": title,
        "text": terms.text.strip(),
        "target": target,
        "claims": claims,
        "deadline": terms.deadline,
        "language": "en" if terms.language.startswith("en") else "fr",
    }


# ---------------------------------------------------------------- publishing and status


async def publish_demand(demand: Demand, *, by: Actor, now: datetime | None = None) -> Demand:
    """Open a draft: its Question post and poll, and Create(Question) to the collective's followers."""
    await _require_organiser(by)
    moment = now or utcnow()
    if demand.deadline is not None and demand.deadline <= moment:
        raise InvalidInput("The deadline must be in the future.")
    collective = await Actor.get(id=demand.collective_id)
    async with in_transaction():
        if not await Demand.filter(id=demand.id, status=DemandStatus.DRAFT).update(status=DemandStatus.OPEN):
            raise Conflict("This demand is already published.")
        demand.status, demand.published_at = DemandStatus.OPEN, moment
        demand.ap_id = f"{collective.ap_id}/demands/{demand.id}"
        await demand.save(update_fields=["ap_id", "published_at"])
        await DemandStatusChange.create(demand=demand, status=DemandStatus.OPEN, changed_at=moment)
        post = await Post.create(
            id=new_id(int(moment.timestamp() * 1000)),
            ap_id=demand.ap_id,
            author=collective,
            is_local=True,
            content=demand_content(demand, language=demand.language),
            language=demand.language,
            visibility=Visibility.PUBLIC,
            url=demand.ap_id,
            addressed_to=[PUBLIC, followers_of_actor(collective)],
            published_at=moment,
        )
        await Poll.create(id=new_id(), post=post, options=[SUPPORT_OPTION], counts=[0], expires_at=demand.deadline)
        await media.attach(post, await media.media_of(demand), is_new=True)
        await Demand.filter(id=demand.id).update(post_id=post.id)
        demand.post_id = post.id
        await search.index_post(post, tags=[])
        question = await question_of(demand, now=moment)
        await publish(render_create(question), sender=collective, to=await followers_of(collective), now=moment)
    return demand


async def change_status(demand: Demand, status: DemandStatus, *, by: Actor, now: datetime | None = None) -> Demand:
    """Move a published demand along (delivered, answered, won, lost) or withdraw it; supporters hear of it."""
    await _require_organiser(by)
    if status == DemandStatus.OPEN:
        return await publish_demand(demand, by=by, now=now)
    if status not in TRANSITIONS:
        raise InvalidInput("There is no such status.")
    moment = now or utcnow()
    async with in_transaction():
        changed = await Demand.filter(id=demand.id, status__in=TRANSITIONS[status]).update(
            status=status, updated_at=moment, needs_update=demand.post_id is not None
        )
        if not changed:
            raise Conflict("This demand cannot take that status now.")
        demand.status, demand.updated_at = status, moment
        await DemandStatusChange.create(demand=demand, status=status, changed_at=moment)
        if demand.post_id is not None:
            content = demand_content(demand, language=demand.language)
            await Post.filter(id=demand.post_id).update(content=content, updated_at=moment)
            await _notify_supporters(demand, NotificationKind.DEMAND)
    return demand


async def _notify_supporters(demand: Demand, kind: NotificationKind) -> None:
    """Tell the local supporters (and the drafter) of a demand; from the collective, about its post."""
    voters = await PollVote.filter(poll__post_id=demand.post_id, voter__is_local=True).values_list(
        "voter_id", flat=True
    )
    recipients = dict.fromkeys([*voters, *([demand.author_id] if demand.author_id else [])])
    for actor_id in recipients:
        await Notification.create(
            recipient_id=actor_id, kind=kind, from_actor_id=demand.collective_id, post_id=demand.post_id
        )


# ---------------------------------------------------------------- support


async def poll_of(demand: Demand) -> Poll:
    poll = await Poll.get_or_none(post_id=demand.post_id).select_related("post__author") if demand.post_id else None
    if poll is None:
        raise Conflict("This demand is not published yet.")
    return poll


async def support(demand: Demand, supporter: Actor, *, is_named: bool, now: datetime | None = None) -> Poll:
    """A member supports a demand, listed by name or counted only; one vote, here or sent to its collective."""
    return await polls.vote(await poll_of(demand), supporter, [0], is_named=is_named, now=now)


async def withdraw_support(demand: Demand, supporter: Actor, *, now: datetime | None = None) -> Poll:
    """Take one's support back, until the deadline."""
    return await polls.withdraw_vote(await poll_of(demand), supporter, now=now)


# ---------------------------------------------------------------- co-signing


async def cosign(demand: Demand, group: Actor, *, by: Actor, now: datetime | None = None) -> DemandCosigner:
    """Our collective co-signs another collective's demand: its Group sends the signed endorsement (an Accept of
    the Question) to the demand's collective and Announces the demand to its own followers."""
    if not await can_cosign(by):
        raise Forbidden("Only the collective's admins can co-sign for it.")
    if not group.is_local or not group.is_collective:
        raise Forbidden("Only one of this instance's collectives can co-sign.")
    if demand.is_local and demand.collective_id == group.id:
        raise Conflict("A collective does not co-sign its own demand.")
    if demand.status not in polls.SUPPORTABLE or demand.ap_id is None:
        raise Conflict("This demand no longer gathers support.")
    moment = now or utcnow()
    owner = await Actor.get(id=demand.collective_id)
    endorsement_id = f"{group.ap_id}/endorsements/{new_id()}"
    try:
        async with in_transaction():
            row = await DemandCosigner.create(
                demand=demand,
                group_ap_id=group.ap_id,
                name=group.name or group.username,
                url=group.url or group.ap_id,
                endorsement_ap_id=endorsement_id,
                signed_at=moment,
            )
            await Demand.filter(id=demand.id, is_local=True).update(needs_update=True, updated_at=moment)
            accept = render_endorsement(
                group, endorsement_id=endorsement_id, question_ap_id=demand.ap_id, owner_ap_id=owner.ap_id,
                published=moment,
            )  # fmt: skip
            await publish(accept, sender=group, to=[owner], now=moment)
            followers = await followers_of(group)
            announce = render_announce(
                group,
                demand.ap_id,
                announce_id=f"{endorsement_id}/announce",
                published=moment,
                to=[PUBLIC],
                cc=[followers_of_actor(group), owner.ap_id],
            )
            await publish(announce, sender=group, to=followers, now=moment)
    except IntegrityError as err:
        raise Conflict("This collective already co-signs this demand.") from err
    return row


async def receive_endorsement(group: Actor, question_ap_id: str, endorsement_ap_id: str) -> bool:
    """Another collective's Group co-signs one of our demands: True when it was one of ours (kept once)."""
    demand = await Demand.get_or_none(ap_id=question_ap_id, is_local=True)
    if demand is None:
        return False
    if not group.is_collective:
        log.info("endorsement refused: not a collective", extra={"actor": group.ap_id})
        return True
    if demand.status not in polls.SUPPORTABLE:
        log.info("endorsement refused: demand closed", extra={"demand": demand.ap_id})
        return True
    moment = utcnow()
    try:
        async with in_transaction():
            await DemandCosigner.create(
                demand=demand,
                group_ap_id=group.ap_id,
                name=group.name or group.username,
                url=group.url or group.ap_id,
                endorsement_ap_id=endorsement_ap_id,
                signed_at=moment,
            )
            await Demand.filter(id=demand.id).update(needs_update=True, updated_at=moment)
            for actor_id in await _organisers():
                await Notification.create(
                    recipient_id=actor_id, kind=NotificationKind.DEMAND, from_actor=group, post_id=demand.post_id
                )
    except IntegrityError:
        pass  # co-signed already
    return True


async def receive_endorsement_withdrawal(group: Actor, endorsement_ap_id: str) -> bool:
    """Undo of an endorsement: the collective no longer co-signs."""
    row = await DemandCosigner.get_or_none(endorsement_ap_id=endorsement_ap_id, group_ap_id=group.ap_id)
    if row is None:
        return False
    async with in_transaction():
        await row.delete()
        await Demand.filter(id=row.demand_id, is_local=True).update(needs_update=True, updated_at=utcnow())
    return True


async def receive_withdrawal(actor: Actor, withdrawal: Withdrawal) -> bool:
    """A Delete or an Undo of a co-signature or a vote: True when it named one here (then nothing else can be
    about it), False to let the usual handling take the activity."""
    endorsement = withdrawal.endorsement_ap_id
    if endorsement is not None and await receive_endorsement_withdrawal(actor, endorsement):
        return True
    for ref in withdrawal.refs:
        if await polls.receive_vote_withdrawal(actor, ref):
            return True
    return False


async def _organisers() -> list[int]:
    return list(
        await Account.filter(
            role__in=(AccountRole.ADMIN, AccountRole.ORGANISER), state=AccountState.APPROVED
        ).values_list("actor_id", flat=True)
    )
