"""Tests for fedaid/domain/agreements.py: taking up proposals, FEP-0837 offers, accepts, rejects, cancels.

Above all: two members taking the last available hours at the same moment get exactly one agreement,
on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from mutual_aid_factories import NOW, deliveries, follow, make_local, make_proposal, make_remote
from tortoise.transactions import in_transaction

from fedaid.activitypub.parse.agreements import parse_agreement_accept, parse_agreement_offer
from fedaid.activitypub.proposals import render_offer_agreement
from fedaid.db import Database
from fedaid.domain.agreements import (
    accept_agreement,
    accept_proposal,
    agree_to_response,
    cancel_agreement,
    offer_agreement,
    reject_agreement,
)
from fedaid.domain.categories import ensure_default_categories
from fedaid.domain.proposal_hours import claim_hours
from fedaid.domain.proposals import close_proposal
from fedaid.domain.received_agreements import receive_accept, receive_offer, receive_undo_accept, receive_undo_offer
from fedaid.domain.responses import respond
from fedaid.errors import Conflict, Forbidden
from fedaid.models import (
    Actor,
    Agreement,
    AgreementState,
    Delivery,
    Notification,
    NotificationKind,
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


async def test_two_members_taking_the_last_hours_at_once_make_one_agreement(ana: Actor) -> None:
    # Given an offer with 2 hours left and two members who each want them
    proposal = await make_proposal(ana, hours=Decimal(2))
    bo, cy = await make_local("bo"), await make_local("cy")
    # When both accept it at the same moment
    results = await asyncio.gather(
        accept_proposal(await Proposal.get(id=proposal.id), bo, now=NOW),
        accept_proposal(await Proposal.get(id=proposal.id), cy, now=NOW),
        return_exceptions=True,
    )
    # Then exactly one agreement exists, the other member is told the hours are gone
    assert sorted(type(result).__name__ for result in results) == ["Agreement", "Conflict"]
    assert await Agreement.all().count() == 1
    stored = await Proposal.get(id=proposal.id)
    assert (stored.available_hours, stored.status) == (Decimal("0.00"), ProposalStatus.AGREED)


async def test_a_claim_waits_for_a_concurrent_transaction_then_finds_nothing_left(ana: Actor) -> None:
    # Given an offer of 1.5 hours
    proposal = await make_proposal(ana, hours=Decimal("1.5"))
    holding, release = asyncio.Event(), asyncio.Event()

    async def first() -> bool:
        async with in_transaction():  # one connection (PostgreSQL) or the writer lock (SQLite)
            claimed = await claim_hours(await Proposal.get(id=proposal.id), Decimal("1.5"))
            holding.set()
            await release.wait()  # keep the transaction open while the second claim runs
        return claimed

    async def second() -> bool:
        await holding.wait()
        async with in_transaction():
            return await claim_hours(await Proposal.get(id=proposal.id), Decimal("1.5"))

    # When the second claim starts while the first transaction is still open
    first_task, second_task = asyncio.create_task(first()), asyncio.create_task(second())
    await holding.wait()
    finished, _ = await asyncio.wait({second_task}, timeout=0.2)
    assert not finished  # it waits on the row lock (or the SQLite writer)
    release.set()
    # Then only the first claim took the hours
    assert (await first_task, await second_task) == (True, False)
    assert (await Proposal.get(id=proposal.id)).available_hours == Decimal("0.00")


async def test_concurrent_accepts_of_offered_agreements_keep_within_the_hours(ana: Actor) -> None:
    proposal = await make_proposal(ana, hours=Decimal(3))
    offers = [await offer_agreement(proposal, await make_local(name), hours=Decimal(2)) for name in ("bo", "cy")]
    results = await asyncio.gather(*(accept_agreement(offer, by=ana) for offer in offers), return_exceptions=True)
    assert sorted(type(result).__name__ for result in results) == ["Agreement", "Conflict"]
    states = sorted(state for state in await Agreement.all().values_list("state", flat=True))
    assert states == [AgreementState.ACCEPTED, AgreementState.OFFERED]
    assert (await Proposal.get(id=proposal.id)).available_hours == Decimal("1.00")


async def test_partial_take_leaves_the_rest_open_and_federates_the_new_availability(ana: Actor) -> None:
    await follow(await make_remote("mo", "masto.example"), ana)
    proposal = await make_proposal(ana, hours=Decimal(3))
    bo = await make_local("bo")
    agreement = await accept_proposal(proposal, bo, hours=Decimal("1.25"), now=NOW)
    # the author offers help, so the author provides and the taker receives
    assert (agreement.provider_id, agreement.receiver_id, agreement.state) == (ana.id, bo.id, AgreementState.ACCEPTED)
    assert agreement.ap_id == f"{(await Post.get(id=proposal.post_id)).ap_id}/agreements/{agreement.id}"
    stored = await Proposal.get(id=proposal.id)
    assert (stored.available_hours, stored.status) == (Decimal("1.75"), ProposalStatus.OPEN)
    update = [a for _, _, a in await deliveries() if a["type"] == "Update"][-1]["object"]
    assert update["publishes"]["availableQuantity"]["hasNumericalValue"] == "1.75"
    assert await Notification.filter(recipient=ana, kind=NotificationKind.AGREEMENT).count() == 1
    with pytest.raises(Forbidden):
        await accept_proposal(stored, ana)


async def test_on_a_request_the_taker_provides(ana: Actor) -> None:
    proposal = await make_proposal(ana, purpose=ProposalPurpose.REQUEST)
    bo = await make_local("bo")
    agreement = await accept_proposal(proposal, bo)
    assert (agreement.provider_id, agreement.receiver_id) == (bo.id, ana.id)


async def test_offer_to_a_remote_author_goes_out_as_offer_agreement_and_their_accept_is_applied(ana: Actor) -> None:
    # Given a proposal by a fedaid member elsewhere, known here
    dan = await make_remote("dan", "drivers.example", mastodon=False)
    remote_post = await Post.create(id=new_id(), ap_id=f"{dan.ap_id}/posts/1", author=dan, published_at=NOW)
    proposal = await Proposal.create(
        post=remote_post, purpose=ProposalPurpose.OFFER, title="Transport", hours=Decimal(3), available_hours=Decimal(3)
    )
    # When our member offers to take 2 hours
    agreement = await offer_agreement(proposal, ana, hours=Decimal(2), now=NOW)
    # Then an Offer(Agreement) is queued to the author, and the agreement waits without an id
    [(sender, inbox, offer)] = await deliveries()
    assert (sender, inbox, offer["type"]) == (ana.ap_id, "https://drivers.example/inbox", "Offer")
    assert parse_agreement_offer(offer).agreement.primary.intent_ap_id == f"{remote_post.ap_id}#primary"
    assert agreement.ap_id is None and agreement.receiver_id == ana.id
    # When their Accept arrives (twice), the agreement takes the id they minted, once
    accept = {
        "type": "Accept",
        "id": f"{dan.ap_id}/accepts/1",
        "actor": dan.ap_id,
        "object": offer["id"],
        "result": {
            "type": "Agreement",
            "id": f"{remote_post.ap_id}/agreements/9",
            "stipulates": offer["object"]["stipulates"],
        },
    }
    for _ in range(2):
        accepted = await receive_accept(parse_agreement_accept(accept), dan)
    assert (accepted.state, accepted.ap_id) == (AgreementState.ACCEPTED, f"{remote_post.ap_id}/agreements/9")
    assert await Notification.filter(recipient=ana, kind=NotificationKind.AGREEMENT).count() == 1


async def test_remote_offer_waits_for_the_author_who_accepts_with_fep_0837_accept(ana: Actor) -> None:
    proposal = await make_proposal(ana, hours=Decimal(2))
    post = await Post.get(id=proposal.post_id)
    bob = await make_remote("bob", "cowork.example", mastodon=False)
    draft = Agreement(id=1, hours=Decimal(2), offer_activity_id=f"{bob.ap_id}/offers/1")
    offer = parse_agreement_offer(
        render_offer_agreement(draft, offerer=bob, proposal_ap_id=post.ap_id, author_ap_id=ana.ap_id)
    )
    # the same Offer delivered twice is one agreement
    agreement = await receive_offer(offer, bob)
    assert (await receive_offer(offer, bob)).id == agreement.id
    assert agreement.state == AgreementState.OFFERED and agreement.receiver_id == bob.id
    await Delivery.all().delete()
    await accept_agreement(agreement, by=ana, now=NOW)
    accepts = [a for _, inbox, a in await deliveries() if a["type"] == "Accept"]
    assert len(accepts) == 1 and accepts[0]["object"] == offer.activity_id
    assert accepts[0]["result"]["id"] == agreement.ap_id and accepts[0]["to"] == bob.ap_id
    with pytest.raises(Conflict):
        await accept_agreement(agreement, by=ana)


async def test_reject_tells_the_remote_offerer(ana: Actor) -> None:
    proposal = await make_proposal(ana)
    bob = await make_remote("bob", "cowork.example", mastodon=False)
    agreement = await offer_agreement(proposal, bob, offer_activity_id=f"{bob.ap_id}/offers/7")
    await reject_agreement(agreement, by=ana, reason="Déjà pris", now=NOW)
    [(_, inbox, reject)] = await deliveries()
    assert (reject["type"], reject["object"], reject["content"]) == ("Reject", f"{bob.ap_id}/offers/7", "Déjà pris")
    assert (await Agreement.get(id=agreement.id)).state == AgreementState.REJECTED
    with pytest.raises(Forbidden):
        await reject_agreement(agreement, by=bob)


async def test_an_offer_for_a_proposal_no_longer_open_is_rejected_at_once(ana: Actor) -> None:
    # Given ana's proposal, closed before bob's server heard of it
    proposal = await make_proposal(ana, hours=Decimal(2))
    await close_proposal(proposal, by=ana, now=NOW)
    post = await Post.get(id=proposal.post_id)
    bob = await make_remote("bob", "cowork.example", mastodon=False)
    await Delivery.all().delete()
    offer = parse_agreement_offer(
        render_offer_agreement(
            Agreement(id=1, hours=Decimal(1), offer_activity_id=f"{bob.ap_id}/offers/3"),
            offerer=bob,
            proposal_ap_id=post.ap_id,
            author_ap_id=ana.ap_id,
        )
    )
    # When bob's Offer arrives, twice
    agreements = [await receive_offer(offer, bob, now=NOW) for _ in range(2)]
    # Then one rejected agreement, and one Reject saying why goes back to bob
    assert agreements[0].id == agreements[1].id and agreements[0].state == AgreementState.REJECTED
    [(sender, _, reject)] = await deliveries()
    assert (sender, reject["type"], reject["object"]) == (ana.ap_id, "Reject", offer.activity_id)
    assert reject["content"] == "Cette offre ou demande n'est plus ouverte."
    assert await Notification.filter(recipient=ana, kind=NotificationKind.AGREEMENT).count() == 0


async def test_cancelling_an_accepted_agreement_gives_the_hours_back(ana: Actor) -> None:
    proposal = await make_proposal(ana, hours=Decimal(2))
    bo = await make_local("bo")
    agreement = await accept_proposal(proposal, bo)
    assert (await Proposal.get(id=proposal.id)).status == ProposalStatus.AGREED
    await cancel_agreement(agreement, by=bo)
    stored = await Proposal.get(id=proposal.id)
    assert (stored.available_hours, stored.status) == (Decimal("2.00"), ProposalStatus.OPEN)
    with pytest.raises(Conflict):
        await cancel_agreement(agreement, by=ana)


async def test_a_remote_offerers_undo_cancels_once_and_gives_the_hours_back(ana: Actor) -> None:
    # Given bob's offer for all 2 hours of ana's proposal, accepted
    proposal = await make_proposal(ana, hours=Decimal(2))
    post = await Post.get(id=proposal.post_id)
    bob = await make_remote("bob", "cowork.example", mastodon=False)
    offer = render_offer_agreement(
        Agreement(id=1, hours=Decimal(2), offer_activity_id=f"{bob.ap_id}/offers/1"),
        offerer=bob,
        proposal_ap_id=post.ap_id,
        author_ap_id=ana.ap_id,
    )
    agreement = await accept_agreement(await receive_offer(parse_agreement_offer(offer), bob), by=ana, now=NOW)
    # When someone else sends its Undo, nothing changes
    eve = await make_remote("eve", "evil.example")
    with pytest.raises(Forbidden):
        await receive_undo_offer(parse_agreement_offer(offer), eve)
    # When bob's Undo(Offer) arrives, twice
    for _ in range(2):
        await receive_undo_offer(parse_agreement_offer(offer), bob, now=NOW)
    # Then the agreement is cancelled, the hours are open again, and ana is told once
    assert (await Agreement.get(id=agreement.id)).state == AgreementState.CANCELLED
    stored = await Proposal.get(id=proposal.id)
    assert (stored.available_hours, stored.status) == (Decimal("2.00"), ProposalStatus.OPEN)
    assert await Notification.filter(recipient=ana, kind=NotificationKind.AGREEMENT).count() == 2  # offer, undo


async def test_a_remote_authors_undo_of_their_accept_cancels_our_members_agreement(ana: Actor) -> None:
    dan = await make_remote("dan", "drivers.example", mastodon=False)
    remote_post = await Post.create(id=new_id(), ap_id=f"{dan.ap_id}/posts/1", author=dan, published_at=NOW)
    proposal = await Proposal.create(
        post=remote_post, purpose=ProposalPurpose.OFFER, title="Transport", hours=Decimal(3), available_hours=Decimal(3)
    )
    agreement = await offer_agreement(proposal, ana, hours=Decimal(2), now=NOW)
    accept = {
        "type": "Accept",
        "id": f"{dan.ap_id}/accepts/1",
        "actor": dan.ap_id,
        "object": agreement.offer_activity_id,
        "result": {
            "type": "Agreement",
            "id": f"{remote_post.ap_id}/agreements/9",
            "stipulates": {"type": "Commitment", "satisfies": f"{remote_post.ap_id}#primary"},
        },
    }
    await receive_accept(parse_agreement_accept(accept), dan)
    with pytest.raises(Forbidden):
        await receive_undo_accept(parse_agreement_accept(accept), ana)
    await receive_undo_accept(parse_agreement_accept(accept), dan, now=NOW)
    assert (await Agreement.get(id=agreement.id)).state == AgreementState.CANCELLED
    # the remote proposal's hours are its server's to announce
    assert (await Proposal.get(id=proposal.id)).available_hours == Decimal(3)


async def test_a_mastodon_reply_becomes_an_agreement_and_its_writer_gets_a_direct_note(ana: Actor) -> None:
    # Given a Mastodon user's reply to ana's request
    proposal = await make_proposal(ana, purpose=ProposalPurpose.REQUEST, hours=Decimal(1))
    post = await Post.get(id=proposal.post_id)
    mo = await make_remote("mo", "masto.example")
    reply = await Post.create(
        id=new_id(),
        ap_id=f"{mo.ap_id}/statuses/5",
        author=mo,
        content="<p>Moi !</p>",
        in_reply_to=post,
        in_reply_to_ap_id=post.ap_id,
        published_at=NOW,
    )
    # When ana turns it into an agreement
    agreement = await agree_to_response(reply, by=ana, now=NOW)
    # Then mo provides the hour, and a direct Note mentioning mo is queued for mo only
    assert (agreement.provider_id, agreement.state, agreement.response_id) == (mo.id, AgreementState.ACCEPTED, reply.id)
    notes = [(inbox, a["object"]) for _, inbox, a in await deliveries() if a["type"] == "Create"]
    direct = [note for inbox, note in notes if note["to"] == [mo.ap_id]]
    assert len(direct) == 1 and direct[0]["cc"] == [] and direct[0]["inReplyTo"] == reply.ap_id
    assert {"type": "Mention", "href": mo.ap_id, "name": "@mo@masto.example"} in direct[0]["tag"]
    assert "C'est d'accord : 1 h" in direct[0]["content"]
    assert [inbox for inbox, note in notes if note is direct[0]] == ["https://masto.example/inbox"]


async def test_a_local_response_can_be_agreed_to(ana: Actor) -> None:
    proposal = await make_proposal(ana, purpose=ProposalPurpose.REQUEST, visibility=Visibility.PUBLIC)
    bo = await make_local("bo")
    reply = await respond(proposal, bo, "Je peux le faire")
    agreement = await agree_to_response(await Post.get(id=reply.id), by=ana)
    assert (agreement.provider_id, agreement.receiver_id, agreement.state) == (bo.id, ana.id, AgreementState.ACCEPTED)
    with pytest.raises(Forbidden):
        await agree_to_response(await Post.get(id=reply.id), by=bo)
