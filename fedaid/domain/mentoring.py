"""Mentoring: a mentor and a mentee agree on recurring meetings (e.g. 1 h every two weeks for three months).

The agreement is an ordinary one on a coaching offer or request (`agreements`: Offer(Agreement) → Accept |
Reject, Undo, as FEP-0837 runs it between servers), whose Agreement lists the meetings, so the other party's
server keeps the same schedule. Each meeting is confirmed by both sides, like an exchange but one meeting at
a time: a confirmation whose `context` is the agreement and whose `startTime` names the meeting. The ledger
counts each meeting both confirmed (`hour_transfers`); once every meeting is, the agreement is fulfilled.
No HTTP here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from tortoise.transactions import in_transaction

from fedaid.activitypub.parse.agreements import MAX_MEETINGS, ConfirmationDoc, ScheduleDoc
from fedaid.activitypub.proposals import meeting_confirmation_ap_id, render_meeting_confirmation
from fedaid.clock import utcnow
from fedaid.domain import agreements, exchanges, mentorships
from fedaid.domain.circles import check_timezone
from fedaid.domain.notifications import notify
from fedaid.domain.publish import publish
from fedaid.domain.sessions import series_starts
from fedaid.errors import Conflict, Forbidden, InvalidInput, NotFound
from fedaid.models import (
    Actor,
    Agreement,
    AgreementState,
    Category,
    CategoryFamily,
    Frequency,
    MentoringMeeting,
    Mentorship,
    NotificationKind,
    Proposal,
)

MAX_MEETING_HOURS = Decimal(8)
_CONFIRMABLE = (AgreementState.ACCEPTED, AgreementState.FULFILLED)


@dataclass(frozen=True)
class MentoringTerms:
    hours_per_meeting: Decimal
    frequency: Frequency
    first_meeting_at: datetime
    until: datetime
    timezone: str = "Europe/Paris"


@dataclass(frozen=True)
class Meeting:
    """One meeting as its parties see it: when, and who confirmed it took place."""

    id: int
    starts_at: datetime
    mentor_confirmed: bool
    mentee_confirmed: bool
    has_begun: bool  # when it was read: only a meeting that has begun can be confirmed

    @property
    def is_confirmed(self) -> bool:
        return self.mentor_confirmed and self.mentee_confirmed


def plan_meetings(terms: MentoringTerms, *, now: datetime) -> ScheduleDoc:
    """The meetings from the first to `until`, at the same wall-clock time in `timezone`; InvalidInput says why not."""
    hours = Decimal(str(terms.hours_per_meeting))
    if hours <= 0 or hours > MAX_MEETING_HOURS or hours != hours.quantize(Decimal("0.01")):
        raise InvalidInput(f"A meeting lasts more than 0 and at most {MAX_MEETING_HOURS} hours, to the minute.")
    first = terms.first_meeting_at.replace(second=0, microsecond=0)
    if first < now:
        raise InvalidInput("The first meeting cannot be in the past.")
    if terms.until < first:
        raise InvalidInput("The mentoring must end after its first meeting.")
    starts = series_starts(first, terms.frequency, terms.until, check_timezone(terms.timezone))
    if len(starts) > MAX_MEETINGS:
        raise InvalidInput(f"A mentoring holds at most {MAX_MEETINGS} meetings; choose an earlier end.")
    return ScheduleDoc(frequency=terms.frequency.value, meetings=tuple(starts))


async def propose_mentoring(
    proposal: Proposal, member: Actor, terms: MentoringTerms, *, now: datetime | None = None
) -> Agreement:
    """A member here offers to mentor on a coaching request, or asks an offered coaching as mentoring; the
    proposal's author accepts or rejects it like any agreement, here or on their server."""
    moment = now or utcnow()
    if not await is_mentoring_topic(proposal):
        raise InvalidInput("Mentoring is agreed on a coaching offer or request.")
    schedule = plan_meetings(terms, now=moment)
    hours = Decimal(str(terms.hours_per_meeting)) * len(schedule.meetings)
    if hours > proposal.available_hours:
        raise InvalidInput(
            f"{len(schedule.meetings)} meetings need {hours} h; only {proposal.available_hours} h are left here."
        )
    return await agreements.offer_agreement(proposal, member, hours=hours, schedule=schedule, now=moment)


async def is_mentoring_topic(proposal: Proposal) -> bool:
    """Whether mentoring can be agreed on this proposal: a coaching offer or request."""
    return await Category.filter(slug=proposal.category, family=CategoryFamily.COACHING).exists()


async def meetings_of(agreement: Agreement) -> list[Meeting]:
    """The agreement's meetings in order, or [] for an ordinary agreement."""
    return (await meetings_by_agreement([agreement.id])).get(agreement.id, [])


async def meetings_by_agreement(agreement_ids: list[int], *, now: datetime | None = None) -> dict[int, list[Meeting]]:
    """The meetings of those of these agreements that are mentorings, in order."""
    moment = now or utcnow()
    rows = await MentoringMeeting.filter(mentorship__agreement_id__in=agreement_ids).order_by("starts_at")
    agreement_of = dict(await Mentorship.filter(agreement_id__in=agreement_ids).values_list("id", "agreement_id"))
    found: dict[int, list[Meeting]] = {}
    for row in rows:
        meeting = Meeting(
            row.id,
            row.starts_at,
            mentor_confirmed=row.mentor_confirmed_at is not None,
            mentee_confirmed=row.mentee_confirmed_at is not None,
            has_begun=row.starts_at <= moment,
        )
        found.setdefault(agreement_of[row.mentorship_id], []).append(meeting)
    return found


async def confirm_meeting(agreement: Agreement, meeting_id: int, *, by: Actor, now: datetime | None = None) -> bool:
    """A party here says the meeting took place; True when this changed something. The other party hears of it
    (on their server, as a confirmation naming the meeting)."""
    moment = now or utcnow()
    side = _side(agreement, by)
    if not by.is_local:
        raise Forbidden("Confirmations from elsewhere arrive through the inbox.")
    mentorship, meeting = await _meeting(agreement, meeting_id=meeting_id)
    _check_confirmable(agreement, meeting, moment)
    confirmation_id = meeting_confirmation_ap_id(by, agreement, meeting.starts_at)
    async with in_transaction():
        if not await _record(meeting, side, moment, confirmation_id):
            return False
        other = await Actor.get(id=agreement.receiver_id if side == "mentor" else agreement.provider_id)
        if other.is_local:
            await notify(other, NotificationKind.MENTORING, from_actor=by, agreement=agreement, action="confirmed")
        else:
            if not agreement.ap_id:
                raise Conflict("The agreement has no id yet; wait for its author's acceptance.")
            activity = render_meeting_confirmation(
                agreement,
                confirmer=by,
                meeting_at=meeting.starts_at,
                hours=mentorship.hours_per_meeting,
                confirmed_at=moment,
                to=other.ap_id,
            )
            await publish(activity, sender=by, to=[other])
        await _fulfil_when_every_meeting_is_confirmed(agreement, moment)
    return True


async def receive_meeting_confirmation(doc: ConfirmationDoc, actor: Actor, *, now: datetime | None = None) -> bool:
    """The party elsewhere confirmed a meeting; the same confirmation received again counts once."""
    moment = now or utcnow()
    agreement = await exchanges.agreement_confirmed(doc, actor)
    side = _side(agreement, actor)
    if actor.is_local:
        raise Forbidden("A local member confirms here, not through the inbox.")
    _, meeting = await _meeting(agreement, starts_at=doc.meeting_at)
    # Whether the meeting has begun is the sender's server's check: a meeting counts only once our member
    # confirmed it too, which this server checks.
    _check_state(agreement)
    async with in_transaction():
        if not await _record(meeting, side, doc.published_at or moment, doc.confirmation_ap_id):
            return False
        other = await Actor.get(id=agreement.receiver_id if side == "mentor" else agreement.provider_id)
        await notify(other, NotificationKind.MENTORING, from_actor=actor, agreement=agreement, action="confirmed")
        await _fulfil_when_every_meeting_is_confirmed(agreement, moment)
    return True


def _side(agreement: Agreement, actor: Actor) -> str:
    if actor.id == agreement.provider_id:
        return "mentor"
    if actor.id == agreement.receiver_id:
        return "mentee"
    raise Forbidden("Only the mentor and the mentee confirm their meetings.")


async def _meeting(
    agreement: Agreement, *, meeting_id: int | None = None, starts_at: datetime | None = None
) -> tuple[Mentorship, MentoringMeeting]:
    mentorship = await mentorships.find_mentorship(agreement.id)
    if mentorship is None:
        raise NotFound("This agreement has no meetings: confirm it as an exchange.")
    query = MentoringMeeting.filter(mentorship_id=mentorship.id)
    meeting = await (
        query.filter(id=meeting_id) if meeting_id is not None else query.filter(starts_at=starts_at)
    ).first()
    if meeting is None:
        raise NotFound("This mentoring has no such meeting.")
    return mentorship, meeting


def _check_state(agreement: Agreement) -> None:
    if agreement.state not in _CONFIRMABLE:
        raise Conflict("Only the meetings of an accepted mentoring are confirmed.")


def _check_confirmable(agreement: Agreement, meeting: MentoringMeeting, now: datetime) -> None:
    _check_state(agreement)
    if meeting.starts_at > now:
        raise Conflict("A meeting is confirmed once it has begun.")


async def _record(meeting: MentoringMeeting, side: str, moment: datetime, ap_id: str) -> bool:
    """Set this side's confirmation if it is not set yet; False for a repeat or a replay."""
    if await MentoringMeeting.filter(**{f"{side}_confirmation_ap_id": ap_id}).exclude(id=meeting.id).exists():
        raise Conflict("That confirmation belongs to another meeting.")
    changed = await MentoringMeeting.filter(id=meeting.id, **{f"{side}_confirmed_at__isnull": True}).update(
        **{f"{side}_confirmed_at": moment, f"{side}_confirmation_ap_id": ap_id}
    )
    return bool(changed)


async def _fulfil_when_every_meeting_is_confirmed(agreement: Agreement, now: datetime) -> None:
    waiting = MentoringMeeting.filter(mentorship__agreement_id=agreement.id)
    if await waiting.filter(mentor_confirmed_at__isnull=True).exists():
        return
    if await waiting.filter(mentee_confirmed_at__isnull=True).exists():
        return
    await exchanges.fulfil_agreement(agreement, now=now)
