"""Tests for fedaid/domain/exchanges.py: each side confirms once; only both confirmations count."""

from __future__ import annotations

from decimal import Decimal

import pytest
from mutual_aid_factories import NOW, deliveries, make_local, make_proposal, make_remote

from fedaid.activitypub.parse.agreements import AgreementAcceptDoc, ConfirmationDoc, parse_confirmation
from fedaid.activitypub.proposals import confirmation_ap_id
from fedaid.db import Database
from fedaid.domain.agreements import accept_agreement, accept_proposal, offer_agreement
from fedaid.domain.categories import ensure_default_categories
from fedaid.domain.exchanges import confirm_exchange, receive_confirmation
from fedaid.domain.ledger import ledger_of
from fedaid.domain.received_agreements import receive_accept
from fedaid.errors import Conflict, Forbidden, NotFound, NotYet
from fedaid.models import (
    Actor,
    Agreement,
    AgreementState,
    Exchange,
    Post,
    Proposal,
    ProposalPurpose,
    ProposalStatus,
    Visibility,
)
from fedaid.models.ids import new_id


@pytest.fixture
async def ana(db: Database) -> Actor:
    await ensure_default_categories()
    return await make_local("ana")


async def test_an_exchange_confirmed_by_one_side_only_is_not_counted(ana: Actor) -> None:
    # Given an accepted agreement for 2 hours
    bo = await make_local("bo")
    agreement = await accept_proposal(await make_proposal(ana, hours=Decimal(2)), bo, now=NOW)
    # When only the provider confirms
    exchange = await confirm_exchange(agreement, by=ana, now=NOW)
    # Then the exchange waits, and neither ledger counts it
    assert exchange.provider_confirmed_at is not None and not exchange.is_confirmed
    assert (await ledger_of(ana)).given == Decimal(0) and (await ledger_of(bo)).received == Decimal(0)
    assert (await Agreement.get(id=agreement.id)).state == AgreementState.ACCEPTED


async def test_both_confirmations_fulfil_the_agreement_and_the_proposal(ana: Actor) -> None:
    bo = await make_local("bo")
    proposal = await make_proposal(ana, hours=Decimal(2))
    agreement = await accept_proposal(proposal, bo, now=NOW)
    await confirm_exchange(agreement, by=bo, now=NOW)
    exchange = await confirm_exchange(agreement, by=ana, now=NOW)
    assert exchange.is_confirmed and exchange.hours == Decimal("2.00")
    assert (await Agreement.get(id=agreement.id)).state == AgreementState.FULFILLED
    assert (await Proposal.get(id=proposal.id)).status == ProposalStatus.FULFILLED
    assert (await ledger_of(ana)).given == Decimal("2.00") and (await ledger_of(bo)).received == Decimal("2.00")


async def test_a_repeated_confirmation_counts_once(ana: Actor) -> None:
    bo = await make_local("bo")
    agreement = await accept_proposal(await make_proposal(ana, hours=Decimal(2)), bo, now=NOW)
    for _ in range(3):
        await confirm_exchange(agreement, by=ana, now=NOW)
        await confirm_exchange(agreement, by=bo, now=NOW)
    assert await Exchange.all().count() == 1
    assert (await ledger_of(ana)).given == Decimal("2.00")


async def test_a_replayed_remote_confirmation_counts_once(ana: Actor) -> None:
    # Given our member's accepted agreement with a member of another fedaid
    bob = await make_remote("bob", "cowork.example", mastodon=False)
    proposal = await make_proposal(ana, hours=Decimal(3))
    agreement = await offer_agreement(proposal, bob, hours=Decimal(3), offer_activity_id=f"{bob.ap_id}/offers/1")
    await accept_agreement(agreement, by=ana, now=NOW)
    # When ana confirms, a confirmation activity referencing the agreement goes to bob's server
    await confirm_exchange(agreement, by=ana, now=NOW)
    sent = [a for _, _, a in await deliveries() if a["type"] == "Create" and a["object"]["type"] == "Document"]
    assert len(sent) == 1 and sent[0]["object"]["context"] == agreement.ap_id
    assert sent[0]["object"]["id"] == confirmation_ap_id(ana, agreement)
    # When bob's confirmation arrives three times
    doc = ConfirmationDoc(
        activity_id=f"{bob.ap_id}/confirmations/1/create",
        actor_ap_id=bob.ap_id,
        confirmation_ap_id=f"{bob.ap_id}/confirmations/1",
        agreement_ap_id=agreement.ap_id,
        published_at=NOW,
        raw={},
    )
    for _ in range(3):
        exchange = await receive_confirmation(doc, bob, now=NOW)
    # Then it is counted once
    assert exchange.is_confirmed and exchange.receiver_confirmation_ap_id == doc.confirmation_ap_id
    ledger = await ledger_of(ana)
    assert ledger.given == Decimal("3.00") and ledger.by_collective["cowork.example"].given == Decimal("3.00")


async def test_a_fulfilled_agreement_leaves_the_status_of_a_proposal_from_elsewhere_to_its_server(ana: Actor) -> None:
    # Given our member took all the hours of a remote offer, and its author accepted
    bob = await make_remote("bob", "cowork.example", mastodon=False)
    post = await Post.create(
        id=new_id(),
        ap_id=f"{bob.ap_id}/posts/1",
        author=bob,
        is_local=False,
        content="<p>Transport</p>",
        visibility=Visibility.PUBLIC,
        published_at=NOW,
    )
    proposal = await Proposal.create(
        post=post, purpose=ProposalPurpose.OFFER, title="Transport", hours=Decimal(2), available_hours=Decimal(2)
    )
    agreement = await offer_agreement(proposal, ana, now=NOW)
    await receive_accept(
        AgreementAcceptDoc(
            activity_id=f"{bob.ap_id}/accepts/1",
            actor_ap_id=bob.ap_id,
            offer_ap_id=agreement.offer_activity_id,
            agreement=None,
            raw={},
        ),
        bob,
    )
    await Proposal.filter(id=proposal.id).update(status=ProposalStatus.AGREED, available_hours=Decimal(0))
    await Agreement.filter(id=agreement.id).update(ap_id=f"{post.ap_id}/agreements/1")
    agreement = await Agreement.get(id=agreement.id)
    # When both sides confirm
    await confirm_exchange(agreement, by=ana, now=NOW)
    await receive_confirmation(
        ConfirmationDoc(
            activity_id=f"{bob.ap_id}/confirmations/9/create",
            actor_ap_id=bob.ap_id,
            confirmation_ap_id=f"{bob.ap_id}/confirmations/9",
            agreement_ap_id=agreement.ap_id,
            published_at=NOW,
            raw={},
        ),
        bob,
        now=NOW,
    )
    # Then the agreement is fulfilled, but the proposal keeps the status its own server last sent
    assert (await Agreement.get(id=agreement.id)).state == AgreementState.FULFILLED
    assert (await Proposal.get(id=proposal.id)).status == ProposalStatus.AGREED


async def test_a_confirmation_ahead_of_its_accept_is_tried_again_later(ana: Actor) -> None:
    # Given ana's offer to dan's remote proposal, not accepted here yet
    dan = await make_remote("dan", "drivers.example", mastodon=False)
    post = await Post.create(
        id=new_id(),
        ap_id=f"{dan.ap_id}/posts/1",
        author=dan,
        is_local=False,
        content="<p>Transport</p>",
        visibility=Visibility.PUBLIC,
        published_at=NOW,
    )
    proposal = await Proposal.create(
        post=post, purpose=ProposalPurpose.OFFER, title="Transport", hours=Decimal(2), available_hours=Decimal(2)
    )
    await offer_agreement(proposal, ana, now=NOW)
    doc = ConfirmationDoc(
        activity_id=f"{dan.ap_id}/confirmations/1/create",
        actor_ap_id=dan.ap_id,
        confirmation_ap_id=f"{dan.ap_id}/confirmations/1",
        agreement_ap_id=f"{post.ap_id}/agreements/5",
        published_at=NOW,
        raw={},
    )
    # Then dan's confirmation waits for the Accept; from someone with nothing pending it is unknown
    with pytest.raises(NotYet):
        await receive_confirmation(doc, dan, now=NOW)
    eve = await make_remote("eve", "evil.example")
    with pytest.raises(NotFound):
        await receive_confirmation(doc, eve, now=NOW)


async def test_only_parties_confirm_and_only_accepted_agreements(ana: Actor) -> None:
    bo, cy = await make_local("bo"), await make_local("cy")
    proposal = await make_proposal(ana)
    offered = await offer_agreement(proposal, bo)
    with pytest.raises(Conflict):
        await confirm_exchange(offered, by=ana)
    accepted = await accept_proposal(await Proposal.get(id=proposal.id), cy, hours=Decimal(1))
    with pytest.raises(Forbidden):
        await confirm_exchange(accepted, by=bo)


async def test_a_confirmation_received_from_a_stranger_is_refused(ana: Actor) -> None:
    bob = await make_remote("bob", "cowork.example", mastodon=False)
    mallory = await make_remote("mallory", "evil.example")
    agreement = await offer_agreement(await make_proposal(ana), bob, offer_activity_id=f"{bob.ap_id}/offers/2")
    await accept_agreement(agreement, by=ana)
    doc = parse_confirmation(
        {
            "type": "Create",
            "id": "https://evil.example/c/1/create",
            "actor": mallory.ap_id,
            "object": {"type": "Document", "id": "https://evil.example/c/1", "context": agreement.ap_id},
        }
    )
    with pytest.raises(Forbidden):
        await receive_confirmation(doc, mallory)
