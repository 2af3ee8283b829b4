"""Tests for fedaid/domain/ledger.py: hours given and received, per member and per collective."""

from __future__ import annotations

from decimal import Decimal

from mutual_aid_factories import NOW, make_local, make_remote

from fedaid.db import Database
from fedaid.domain.ledger import hours_given_by, ledger_of
from fedaid.models import Actor, Agreement, AgreementState, Exchange, Post, Proposal, ProposalPurpose
from fedaid.models.ids import new_id


async def exchange(
    provider: Actor, receiver: Actor, hours: str, *, provider_ok: bool = True, receiver_ok: bool = True
) -> Exchange:
    post = await Post.create(id=new_id(), ap_id=f"{provider.ap_id}/posts/{new_id()}", author=provider, published_at=NOW)
    proposal = await Proposal.create(
        post=post, purpose=ProposalPurpose.OFFER, title="Aide", hours=Decimal(hours), available_hours=Decimal(0)
    )
    agreement = await Agreement.create(
        id=new_id(),
        proposal=proposal,
        provider=provider,
        receiver=receiver,
        hours=Decimal(hours),
        state=AgreementState.ACCEPTED,
    )
    return await Exchange.create(
        agreement=agreement,
        hours=Decimal(hours),
        provider_confirmed_at=NOW if provider_ok else None,
        receiver_confirmed_at=NOW if receiver_ok else None,
    )


async def test_given_and_received_are_two_tallies_split_by_collective(db: Database) -> None:
    # Given ana, who helped a driver elsewhere twice and a member here once, and was helped by a coworker
    ana, li = await make_local("ana"), await make_local("li")
    dan = await make_remote("dan", "drivers.example", mastodon=False)
    eve = await make_remote("eve", "cowork.example", mastodon=False)
    await exchange(ana, dan, "2")
    await exchange(ana, dan, "1.5")
    await exchange(ana, li, "1")
    await exchange(eve, ana, "3")
    # and exchanges that do not count yet: one side has not confirmed
    await exchange(ana, eve, "5", receiver_ok=False)
    await exchange(dan, ana, "4", provider_ok=False)
    # When her ledger is read
    ledger = await ledger_of(ana)
    # Then given and received stay apart, never netted, and are split by the other party's collective
    assert (ledger.given, ledger.received) == (Decimal("4.50"), Decimal("3.00"))
    assert {domain: (t.given, t.received) for domain, t in ledger.by_collective.items()} == {
        "drivers.example": (Decimal("3.50"), Decimal(0)),
        "aid.example": (Decimal("1.00"), Decimal(0)),
        "cowork.example": (Decimal(0), Decimal("3.00")),
    }
    assert (await ledger_of(li)).received == Decimal("1.00")
    assert await hours_given_by([ana.id, li.id]) == {ana.id: Decimal("4.50"), li.id: Decimal(0)}


async def test_a_member_without_exchanges_has_an_empty_ledger(db: Database) -> None:
    ledger = await ledger_of(await make_local("new"))
    assert (ledger.given, ledger.received, ledger.by_collective) == (Decimal(0), Decimal(0), {})
