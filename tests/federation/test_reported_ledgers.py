"""Hours between two other collectives, as they report them: three fedaid instances on 127.0.0.1, all allied;
coworking and coaching exchange hours, and the drivers' ledger page shows what each of the two reports."""

from __future__ import annotations

from decimal import Decimal

import aiohttp

from fedaid.app import LEDGER_REPORTS
from fedaid.appkeys import FETCHER
from fedaid.domain import agreements, exchanges
from fedaid.domain.categories import ensure_default_categories
from fedaid.domain.members import add_member
from fedaid.domain.proposals import ProposalTerms, create_proposal, find_proposal_by_ap_id
from fedaid.federation.ledger_reports import LedgerReports
from fedaid.models import Actor, Agreement, ProposalPurpose, ReportedLedgerEntry
from tests.web.helpers import Visitor

from testsupport import ally, drain


async def person(instance, name: str) -> Actor:
    with instance.db.active():
        await ensure_default_categories()
        await add_member(instance.base_url, name, email=f"{name}@example.org", password="correct horse battery")
        return await Actor.get(username=name, is_local=True)


async def test_a_collective_shows_what_two_allies_report_of_each_other(make_instance):
    drivers, coworking, coaching = [await make_instance(name) for name in ("drivers", "coworking", "coaching")]
    bea, cyd = await person(coworking, "bea"), await person(coaching, "cyd")
    await ally(coworking, drivers, coaching)
    await ally(coaching, drivers, coworking)
    await ally(coworking, coaching, drivers)

    # Given a coaching member gives 2 hours to a coworking member, confirmed on both sides
    with coaching.db.active():
        offer = await create_proposal(
            cyd,
            ProposalTerms(
                purpose=ProposalPurpose.OFFER,
                title="Relecture de site",
                text="Je relis votre site.",
                category="communication",
                hours=Decimal(2),
            ),
            language="fr",
        )
    await drain(drivers, coworking, coaching)
    with coworking.db.active():
        taken = await agreements.offer_agreement(await find_proposal_by_ap_id(offer.post.ap_id), bea, hours=Decimal(2))
    await drain(drivers, coworking, coaching)
    with coaching.db.active():
        accepted = await agreements.accept_agreement(
            await Agreement.get(offer_activity_id=taken.offer_activity_id), by=cyd
        )
        await exchanges.confirm_exchange(accepted, by=cyd)
    await drain(drivers, coworking, coaching)
    with coworking.db.active():
        await exchanges.confirm_exchange(await Agreement.get(id=taken.id), by=bea)
    await drain(drivers, coworking, coaching)

    # When the drivers' worker reads its allies' ledgers (its hour since the last reading has passed)
    drivers.app[LEDGER_REPORTS] = LedgerReports(drivers.app[FETCHER])
    with drivers.db.active():
        assert await drivers.app[LEDGER_REPORTS].run_once() == 2
        assert await drivers.app[LEDGER_REPORTS].run_once() == 0  # not again before the hour
        lines = (
            await ReportedLedgerEntry.all()
            .select_related("reporter")
            .values_list("reporter__domain", "counterpart_domain", "given", "received")
        )
    at_coworking, at_coaching = coworking.settings.domain, coaching.settings.domain
    assert sorted((a, b, Decimal(g), Decimal(r)) for a, b, g, r in lines) == sorted(
        [(at_coworking, at_coaching, Decimal(0), Decimal(2)), (at_coaching, at_coworking, Decimal(2), Decimal(0))]
    )

    # Then its public ledger page shows both sides' figures for the pair, and that they agree
    visitor = Visitor(drivers.base_url)
    try:
        page = await visitor.get("/c/drivers/ledger")
    finally:
        await visitor.close()
    assert page.status == 200 and "Entre d’autres collectifs, tel qu’ils le déclarent" in page
    assert "a donné 2 h, a reçu 0 h" in page and "a donné 0 h, a reçu 2 h" in page
    assert "les deux côtés concordent" in page
    # And the fedaid API gives the same figures
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{drivers.base_url}/api/fedaid/v1/collective/ledger") as answer:
            assert answer.status == 200
            (pair,) = (await answer.json())["reported_between_others"]
    says = {pair["first_domain"]: pair["first_says"], pair["second_domain"]: pair["second_says"]}
    assert pair["reports_agree"] is True
    assert (says[at_coworking]["given_hours"], says[at_coworking]["received_hours"]) == (0, 2)
    assert (says[at_coaching]["given_hours"], says[at_coaching]["received_hours"]) == (2, 0)
