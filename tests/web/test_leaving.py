"""A member downloads their data and deletes their own account: the Delete reaches the servers that know
them, their URL answers 410, their supports are withdrawn, and confirmed exchanges stay with a deleted member.
Two instances on 127.0.0.1, SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal

import aiohttp
import pytest

from fedaid.appkeys import REMOTE_ACTORS
from fedaid.clock import utcnow
from fedaid.domain import demands, follows
from fedaid.domain.agreements import accept_proposal
from fedaid.domain.exchanges import confirm_exchange
from fedaid.domain.instance import get_collective
from fedaid.domain.proposals import create_proposal
from fedaid.models import (
    Account,
    Actor,
    Agreement,
    AgreementState,
    Follow,
    Poll,
    PollVote,
    Post,
    Proposal,
    ProposalStatus,
    WebSession,
)
from tests.domain.mutual_aid_factories import terms
from tests.web.helpers import Visitor, make_member

from testsupport import BACKENDS, PASSWORD, drain


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def browsers() -> AsyncIterator:
    opened: list[Visitor] = []

    async def open_as(instance, username: str | None = None, language: str = "en") -> Visitor:
        visitor = Visitor(instance.base_url, language=language)
        opened.append(visitor)
        if username:
            await visitor.sign_in(username)
        return visitor

    yield open_as
    for visitor in opened:
        await visitor.close()


@pytest.fixture
async def drivers(make_instance):
    """Ana gave Bea 2 h (confirmed both sides), has an open offer, an agreement under way with Cleo, and
    supports a demand; Bob, on another instance, follows her."""
    drivers = await make_instance("drivers")
    with drivers.db.active():
        ana = (await make_member(drivers.base_url, "ana", display_name="Ana")).actor
        bea = (await make_member(drivers.base_url, "bea", display_name="Béa")).actor
        cleo = (await make_member(drivers.base_url, "cleo", display_name="Cléo")).actor
        org = (await make_member(drivers.base_url, "org", role="organiser")).actor
        given = await create_proposal(ana, terms(title="Déclaration URSSAF", hours=Decimal(2)))
        agreement = await accept_proposal(given, bea)
        await confirm_exchange(agreement, by=ana)
        await confirm_exchange(agreement, by=bea)
        await create_proposal(ana, terms(title='=HYPERLINK("http://evil")', hours=Decimal(1)))
        asked = await create_proposal(cleo, terms(title="Compta", hours=Decimal(1)))
        await accept_proposal(asked, ana)
        collective = await get_collective("drivers")
        demand = await demands.draft_demand(
            org,
            demands.DemandTerms(
                title="Tarif minimum",
                text="",
                target="Plateforme",
                claims=["1 €/km"],
                deadline=utcnow() + timedelta(days=9),
            ),
            collective=collective,
        )
        demand = await demands.publish_demand(demand, by=org)
        await demands.support(demand, ana, is_named=True)
    return drivers


async def test_a_member_downloads_their_proposals_agreements_and_ledger_as_json_and_csv(drivers, browsers):
    ana = await browsers(drivers, "ana")
    async with ana.session.get(drivers.base_url + "/settings/export.json") as response:
        assert response.status == 200 and "attachment" in response.headers["Content-Disposition"]
        data = json.loads(await response.text())
    assert data["member"]["username"] == "ana"
    assert [p["title"] for p in data["proposals"]] == ["Déclaration URSSAF", '=HYPERLINK("http://evil")']
    given = next(a for a in data["agreements"] if a["proposal"] == "Déclaration URSSAF")
    assert given["role"] == "provider" and given["hours"] == "2" and given["confirmed"] == "yes"
    assert given["other_party"].startswith("@bea@")
    assert data["ledger"][-1] == {"collective": "total", "given": "2", "received": "0"}

    async with ana.session.get(drivers.base_url + "/settings/export/proposals.csv") as response:
        assert response.status == 200 and response.content_type == "text/csv"
        rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert rows[0]["title"] == "Déclaration URSSAF" and rows[0]["hours"] == "2"
    assert rows[1]["title"] == '\'=HYPERLINK("http://evil")'  # a spreadsheet shows it, does not run it
    async with ana.session.get(drivers.base_url + "/settings/export/ledger.csv") as response:
        assert (await response.text()).startswith("collective,given,received\r\n")
    async with ana.session.get(drivers.base_url + "/settings/export/passwords.csv") as response:
        assert response.status == 404
    anonymous = await browsers(drivers)
    page = await anonymous.get("/settings/export.json", allow_redirects=False)
    assert page.status == 303 and page.headers["Location"].startswith("/signin")


async def test_a_member_deletes_their_account_and_the_delete_federates(drivers, make_instance, browsers):
    # Given Bob, on another instance, follows Ana
    coworking = await make_instance("coworking")
    with drivers.db.active():
        ana = await Actor.get(username="ana", is_local=True)
    with coworking.db.active():
        bob = (await make_member(coworking.base_url, "bob")).actor
        await follows.follow(bob, await coworking.app[REMOTE_ACTORS].get_actor(ana.ap_id))
    await drain(drivers, coworking)
    with coworking.db.active():
        assert await Follow.filter(target__ap_id=ana.ap_id).exists()
    browser, phone = await browsers(drivers, "ana"), await browsers(drivers, "ana")

    # When she deletes her account with a wrong password, nothing happens
    page = await browser.post(
        "/settings/account/delete", {"password": "not my password"}, from_page="/settings/account"
    )
    assert page.status == 400 and 'id="password-error"' in page
    with drivers.db.active():
        assert await Account.filter(actor_id=ana.id).exists()
    # When she types her password
    page = await browser.post("/settings/account/delete", {"password": PASSWORD}, from_page="/settings/account")
    assert page.status == 200 and page.url.endswith("/signin?done=deleted")
    await drain(drivers, coworking)

    # Then her URL answers 410 here, and the other instance deleted its copy and the follow
    async with aiohttp.ClientSession() as http:
        async with http.get(ana.ap_id, headers={"Accept": "application/activity+json"}) as response:
            assert response.status == 410
    with coworking.db.active():
        assert (await Actor.get(ap_id=ana.ap_id)).is_deleted
        assert not await Follow.filter(target__ap_id=ana.ap_id).exists()
    # And nothing signs in as her any more
    assert (await phone.get("/settings", allow_redirects=False)).status == 303
    refused = await (await browsers(drivers)).post(
        "/signin", {"login": "ana", "password": PASSWORD}, from_page="/signin"
    )
    assert refused.status == 400
    with drivers.db.active():
        assert not await Account.filter(actor_id=ana.id).exists()
        assert not await WebSession.filter(account__actor_id=ana.id).exists()
        # Her support is withdrawn, her open offer closed, the agreement under way cancelled
        assert not await PollVote.filter(voter_id=ana.id).exists()
        assert (await Poll.get()).voters_count == 0
        assert await Proposal.filter(post__author_id=ana.id, status=ProposalStatus.OPEN).count() == 0
        with_cleo = await Agreement.get(receiver_id=ana.id)
        assert with_cleo.state == AgreementState.CANCELLED
        confirmed = await Agreement.get(provider_id=ana.id)
        assert confirmed.state == AgreementState.FULFILLED
        # Her posts are Tombstones here, out of search and listings
        left = await Post.filter(author_id=ana.id, deleted_at__isnull=True).values_list("id", "content", "ap_id")
        assert not left, left
    page = await (await browsers(drivers)).get("/search?q=URSSAF")
    assert "Déclaration URSSAF" not in page
    # And the confirmed exchange stays in Béa's agreements and ledger, with a deleted member
    bea = await browsers(drivers, "bea")
    page = await bea.get("/agreements")
    assert "Déclaration URSSAF" in page and "membre supprimé·e" in page and ">Ana<" not in page  # Béa reads French
    async with bea.session.get(drivers.base_url + "/settings/export.json") as response:
        data = json.loads(await response.text())
    (row,) = data["agreements"]
    assert row["other_party"] == "deleted member" and row["confirmed"] == "yes"
    assert data["ledger"][-1]["received"] == "2"
