"""Mentoring across two fedaid instances on 127.0.0.1: a drivers member asks a coaching member's offer as a
fortnightly mentoring; the Offer(Agreement) carries the meetings, the mentor accepts as any agreement; each
meeting counts in both ledgers (the members' and the collectives') once both have confirmed it, on both sides.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from fedaid.domain import agreements, exchanges, mentoring
from fedaid.domain.categories import ensure_default_categories
from fedaid.domain.collective_ledger import collective_ledger
from fedaid.domain.instance import get_collective
from fedaid.domain.ledger import ledger_of
from fedaid.domain.members import add_member
from fedaid.domain.proposals import ProposalTerms, create_proposal, find_proposal_by_ap_id
from fedaid.errors import Conflict, Forbidden
from fedaid.models import (
    Actor,
    Agreement,
    AgreementState,
    InboxItem,
    MentoringMeeting,
    Notification,
    NotificationKind,
    ProposalPurpose,
)
from tests.web.helpers import Visitor

from testsupport import ally, drain

FIRST = (datetime.now(UTC) + timedelta(days=3)).replace(hour=17, minute=0, second=0, microsecond=0)


def paris(moment: datetime) -> str:
    """A moment as a `datetime-local` field holds it on a page of a collective in Paris."""
    return moment.astimezone(ZoneInfo("Europe/Paris")).strftime("%Y-%m-%dT%H:%M")


async def people(instance, *names: str) -> list[Actor]:
    with instance.db.active():
        await ensure_default_categories()
        for name in names:
            await add_member(instance.base_url, name, email=f"{name}@example.org", password="correct horse battery")
        return [await Actor.get(username=name, is_local=True) for name in names]


async def hours_of(instance, someone: Actor) -> tuple[Decimal, Decimal]:
    with instance.db.active():
        ledger = await ledger_of(await Actor.get(ap_id=someone.ap_id))
        return ledger.given, ledger.received


async def between_collectives(instance) -> dict[str, tuple[Decimal, Decimal]]:
    with instance.db.active():
        ours = await get_collective(instance.settings.collective_slug)
        return {pair.domain: (pair.given, pair.received) for pair in await collective_ledger(ours)}


async def confirm(instance, agreement: Agreement, meeting_number: int, by: Actor, *, late: timedelta) -> bool:
    with instance.db.active():
        agreement = await Agreement.get(id=agreement.id)
        meeting = (await mentoring.meetings_of(agreement))[meeting_number]
        return await mentoring.confirm_meeting(agreement, meeting.id, by=by, now=meeting.starts_at + late)


async def test_a_fortnightly_mentoring_between_two_instances_counts_each_meeting_both_confirmed(make_instance):
    coaching, drivers = await make_instance("coaching"), await make_instance("drivers")
    (lea, zoe), (ana,) = await people(coaching, "lea", "zoe"), await people(drivers, "ana")
    await ally(drivers, coaching)

    # Given Léa offers 8 hours of marketing mentoring, which reaches the allied drivers
    with coaching.db.active():
        offer = await create_proposal(
            lea,
            ProposalTerms(
                purpose=ProposalPurpose.OFFER,
                title="Mentorat marketing",
                text="Je vous accompagne sur votre marketing.",
                category="marketing",
                hours=Decimal(8),
            ),
            language="fr",
        )
    await drain(coaching, drivers)

    # When Ana asks it on its page as 1 h every two weeks for twelve weeks: seven meetings, 7 hours
    with drivers.db.active():
        proposal = await find_proposal_by_ap_id(offer.post.ap_id)
    path = f"/proposals/{proposal.id}"
    browser = Visitor(drivers.base_url)
    try:
        await browser.sign_in("ana")
        assert "Proposer un mentorat" in await browser.get(path)
        form = {"hours_per_meeting": "1", "frequency": "fortnightly", "first_meeting_at": paris(FIRST)}
        # (asking more hours than are left, or an end before the start, is refused with a reason; nothing is kept)
        too_many = await browser.post(
            f"{path}/mentoring",
            {**form, "hours_per_meeting": "2", "until": paris(FIRST + timedelta(weeks=12))},
            from_page=path,
        )
        assert too_many.status == 400 and "only 8.00 h are left" in too_many.text
        backwards = await browser.post(
            f"{path}/mentoring", {**form, "until": paris(FIRST - timedelta(days=1))}, from_page=path
        )
        assert backwards.status == 400 and "Le mentorat doit finir après sa première rencontre." in backwards.text
        with drivers.db.active():
            assert not await Agreement.all().exists()
        asked_page = await browser.post(
            f"{path}/mentoring", {**form, "until": paris(FIRST + timedelta(weeks=12))}, from_page=path
        )
        assert asked_page.status == 200 and "Rencontres de mentorat" in asked_page.text
    finally:
        await browser.close()
    with drivers.db.active():
        asked = await Agreement.get(receiver_id=ana.id)
        starts = [meeting.starts_at for meeting in await mentoring.meetings_of(asked)]
    assert asked.hours == Decimal(7) and len(starts) == 7 and starts[0] == FIRST
    await drain(coaching, drivers)

    # Then Léa's instance holds the same offered agreement and the same seven meetings
    with coaching.db.active():
        waiting = await Agreement.get(offer_activity_id=asked.offer_activity_id)
        assert waiting.state == AgreementState.OFFERED and waiting.provider_id == lea.id
        assert [meeting.starts_at for meeting in await mentoring.meetings_of(waiting)] == starts
        (offer_item,) = await InboxItem.filter(activity_type="Offer")
        assert len(offer_item.payload["object"]["meetings"]) == 7
        assert offer_item.payload["object"]["frequency"] == "fortnightly"
        # When she accepts it, as any agreement
        await agreements.accept_agreement(waiting, by=lea)
    await drain(coaching, drivers)
    with drivers.db.active():
        asked = await Agreement.get(id=asked.id)
    assert asked.state == AgreementState.ACCEPTED and asked.ap_id == waiting.ap_id

    # When Léa confirms the first meeting, it counts nowhere yet
    assert await confirm(coaching, waiting, 0, lea, late=timedelta(hours=1))
    await drain(coaching, drivers)
    assert await hours_of(coaching, lea) == await hours_of(drivers, lea) == (Decimal(0), Decimal(0))

    # When Ana confirms it too (twice: the second changes nothing)
    assert await confirm(drivers, asked, 0, ana, late=timedelta(hours=2))
    assert not await confirm(drivers, asked, 0, ana, late=timedelta(hours=2))
    await drain(coaching, drivers)

    # Then one meeting's hour counts in both ledgers, on both instances, and between the two collectives
    for instance in (coaching, drivers):
        assert await hours_of(instance, lea) == (Decimal(1), Decimal(0))
        assert await hours_of(instance, ana) == (Decimal(0), Decimal(1))
    assert await between_collectives(coaching) == {drivers.settings.domain: (Decimal(1), Decimal(0))}
    assert await between_collectives(drivers) == {coaching.settings.domain: (Decimal(0), Decimal(1))}
    with drivers.db.active():
        told = await Notification.filter(recipient_id=ana.id, kind=NotificationKind.MENTORING).count()
        assert told == 1
    with coaching.db.active():
        (row,) = await MentoringMeeting.filter(mentor_confirmed_at__isnull=False)
        assert row.mentee_confirmation_ap_id and row.mentee_confirmation_ap_id.startswith(ana.ap_id)

    # And bad steps are refused with a reason and change nothing
    with pytest.raises(Conflict, match="once it has begun"):
        await confirm(coaching, waiting, 1, lea, late=-timedelta(days=1))
    with pytest.raises(Forbidden):
        await confirm(coaching, waiting, 1, zoe, late=timedelta(hours=1))
    browser = Visitor(coaching.base_url)
    try:
        await browser.sign_in("lea")
        with coaching.db.active():
            second = (await mentoring.meetings_of(waiting))[1]
        early = await browser.post(
            f"/agreements/{waiting.id}/meetings/{second.id}/confirm", {}, from_page="/agreements"
        )
        assert early.status == 409 and "Une rencontre se confirme une fois commencée." in early.text
    finally:
        await browser.close()
    with coaching.db.active(), pytest.raises(Conflict, match="meeting by meeting"):
        await exchanges.confirm_exchange(await Agreement.get(id=waiting.id), by=lea)
    with coaching.db.active():
        assert await MentoringMeeting.filter(mentor_confirmed_at__isnull=False).count() == 1
        assert (await Agreement.get(id=waiting.id)).state == AgreementState.ACCEPTED
