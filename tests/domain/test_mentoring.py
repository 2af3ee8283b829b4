"""Mentoring agreements on one instance (fedaid/domain/mentoring.py): the hours of meetings already held stay
given when the mentoring is called off, and a mentoring whose every meeting is confirmed fulfils its offer as
any agreement does (exchanges.fulfil_agreement)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from mutual_aid_factories import NOW, make_local, make_proposal

from fedaid.db import Database
from fedaid.domain import agreements, mentoring
from fedaid.domain.categories import ensure_default_categories
from fedaid.models import Actor, Agreement, AgreementState, Frequency, Proposal, ProposalStatus

FIRST = NOW + timedelta(days=2)


@pytest.fixture
async def weekly_mentoring(db: Database) -> tuple[Agreement, Proposal]:
    """Léa's 3-hour marketing offer, taken by Ana as three weekly one-hour meetings, accepted."""
    await ensure_default_categories()
    lea, ana = await make_local("lea"), await make_local("ana")
    offer = await make_proposal(lea, category="marketing", hours=Decimal(3))
    terms = mentoring.MentoringTerms(
        hours_per_meeting=Decimal(1),
        frequency=Frequency.WEEKLY,
        first_meeting_at=FIRST,
        until=FIRST + timedelta(weeks=2),
    )
    asked = await mentoring.propose_mentoring(offer, ana, terms, now=NOW)
    await agreements.accept_agreement(asked, by=lea, now=NOW)
    return await Agreement.get(id=asked.id), await Proposal.get(id=offer.id)


async def confirm_both(agreement: Agreement, number: int) -> None:
    """The mentor and the mentee each confirm meeting `number`, two hours after it began."""
    meeting = (await mentoring.meetings_of(agreement))[number]
    for party_id in (agreement.provider_id, agreement.receiver_id):
        party = await Actor.get(id=party_id)
        await mentoring.confirm_meeting(
            await Agreement.get(id=agreement.id), meeting.id, by=party, now=meeting.starts_at + timedelta(hours=2)
        )


async def test_calling_off_a_mentoring_gives_back_only_the_hours_of_meetings_not_held(weekly_mentoring) -> None:
    agreement, offer = weekly_mentoring
    assert offer.available_hours == Decimal(0) and agreement.hours == Decimal(3)
    await confirm_both(agreement, 0)
    await agreements.cancel_agreement(
        await Agreement.get(id=agreement.id), by=await Actor.get(id=agreement.receiver_id)
    )
    # The first meeting's hour was given and counts in the ledger: two hours go back to the offer, not three
    assert (await Proposal.get(id=offer.id)).available_hours == Decimal(2)


async def test_a_mentoring_with_every_meeting_confirmed_fulfils_its_offer(weekly_mentoring) -> None:
    agreement, offer = weekly_mentoring
    assert offer.status == ProposalStatus.AGREED
    for number in range(3):
        await confirm_both(agreement, number)
    assert (await Agreement.get(id=agreement.id)).state == AgreementState.FULFILLED
    assert (await Proposal.get(id=offer.id)).status == ProposalStatus.FULFILLED
