"""Mutual aid across three fedaid instances on 127.0.0.1: a drivers' collective, a coworking space and a
coaching circle. A coworking member answers a drivers' offer; the FEP-0837 Offer(Agreement) and Accept
travel signed through the inboxes and the delivery workers; both sides confirm; each ledger counts the
hours. What each instance sends is read back as the receiving instance stored it, and compared with
the FEP-0837 fixtures. Also: the last hours shared by two collectives, Reject and cancellations from
either side, a confirmation that overtakes its Accept, a fake Mastodon user's reply turned into an
agreement, and FEDAID_OUTSIDE_PROPOSALS both ways.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from fedaid.app import EXPIRY
from fedaid.domain import agreements, exchanges, responses
from fedaid.domain.categories import ensure_default_categories
from fedaid.domain.expiry import ExpiryTimer
from fedaid.domain.instance import get_collective
from fedaid.domain.ledger import Ledger, Tally, ledger_of
from fedaid.domain.members import add_member
from fedaid.domain.proposals import ProposalTerms, create_proposal, find_proposal_by_ap_id
from fedaid.domain.visibility import local_viewer
from fedaid.models import (
    Actor,
    Agreement,
    AgreementState,
    Delivery,
    InboxItem,
    InboxState,
    Notification,
    NotificationKind,
    Post,
    Proposal,
    ProposalPurpose,
    ProposalStatus,
)

from fakes.remote_instance import start_fake_remote
from testsupport import FIXTURES, ally, drain

FEP = FIXTURES / "fep"
AS = "https://www.w3.org/ns/activitystreams"
VF = "https://w3id.org/valueflows/ont/vf#"
OM2 = "http://www.ontology-of-units-of-measure.org/resource/om-2/"


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FEP / f"fep0837_{name}.json").read_text())


def context_terms(doc: dict[str, Any]) -> dict[str, Any]:
    """Every term the @context defines (its objects merged), and AS2 as the first entry."""
    contexts = doc["@context"] if isinstance(doc["@context"], list) else [doc["@context"]]
    assert contexts[0] == AS
    terms: dict[str, Any] = {}
    for entry in contexts:
        if isinstance(entry, dict):
            terms.update(entry)
    return terms


def assert_defines_fixture_terms(sent: dict[str, Any], fixture_doc: dict[str, Any]) -> None:
    """The terms the fixture's @context defines mean the same in what was sent (ValueFlows, om2)."""
    ours = context_terms(sent)
    for term, meaning in context_terms(fixture_doc).items():
        expanded = meaning.replace("vf:", VF).replace("om2:", OM2)
        assert term in ours, term
        assert ours[term].replace("vf:", VF).replace("om2:", OM2) == expanded, term


def assert_same_keys(sent: dict[str, Any], fixture_doc: dict[str, Any], *, optional: set[str] = frozenset()) -> None:
    """The sent object has the fixture's fields (less those fedaid leaves out on purpose) and no others."""
    expected = set(fixture_doc) - optional
    assert expected <= set(sent) <= set(fixture_doc), (sorted(sent), sorted(fixture_doc))


def assert_hours(quantity: dict[str, Any], hours: str) -> None:
    assert quantity == {"hasUnit": "hour", "hasNumericalValue": hours}


async def received(instance, activity_type: str) -> list[dict[str, Any]]:
    """The activities of a type this instance took in at its inbox, as they arrived: each signed by its
    actor's key, and applied."""
    with instance.db.active():
        items = await InboxItem.filter(activity_type=activity_type).order_by("id")
    for item in items:
        assert item.state == InboxState.DONE, (item.activity_id, item.last_error)
        assert item.signed_by.startswith(f"{item.payload['actor']}#"), (item.signed_by, item.payload["actor"])
    return [item.payload for item in items]


@pytest.fixture
async def network(make_instance):
    """Three open collectives; coworking and coaching are allied with drivers, each with members."""
    drivers = await make_instance("drivers")
    coworking = await make_instance("coworking")
    coaching = await make_instance("coaching")
    for instance, username in ((drivers, "ana"), (coworking, "bea"), (coaching, "cyd")):
        with instance.db.active():
            await ensure_default_categories()
            await add_member(
                instance.base_url, username, email=f"{username}@example.org", password="correct horse battery"
            )
    for instance in (coworking, coaching):
        await ally(instance, drivers, coworking if instance is coaching else coaching)
    return drivers, coworking, coaching


async def member(instance, username: str) -> Actor:
    with instance.db.active():
        return await Actor.get(username=username, is_local=True)


async def publish_offer(drivers, author: Actor, hours: int, *, purpose: ProposalPurpose = ProposalPurpose.OFFER) -> str:
    """A drivers member offers (or asks for) transport; returns the proposal's id (URL)."""
    with drivers.db.active():
        offer = await create_proposal(
            author,
            ProposalTerms(
                purpose=purpose,
                title="Transport de matériel en camionnette",
                text="Je déplace votre matériel dans Lyon avec la camionnette du collectif.",
                category="transport",
                hours=Decimal(hours),
                place_name="Lyon",
                latitude=45.764,
                longitude=4.8357,
            ),
            language="fr",
        )
    return offer.post.ap_id


async def offer_to_take(instance, taker: Actor, proposal_ap_id: str, hours: int, *, reply: str = "") -> Agreement:
    """A member elsewhere offers to take hours of the proposal (with a reply first, as the web page does)."""
    with instance.db.active():
        proposal = await find_proposal_by_ap_id(proposal_ap_id)
        response = await responses.respond(proposal, taker, reply) if reply else None
        return await agreements.offer_agreement(proposal, taker, hours=Decimal(hours), response=response)


async def accept_offer(drivers, author: Actor, offered: Agreement) -> Agreement:
    with drivers.db.active():
        waiting = await Agreement.get(offer_activity_id=offered.offer_activity_id)
        return await agreements.accept_agreement(waiting, by=author)


async def confirm(instance, agreement: Agreement, by: Actor) -> None:
    with instance.db.active():
        await exchanges.confirm_exchange(await Agreement.get(id=agreement.id), by=by)


async def state_of(instance, agreement: Agreement) -> AgreementState:
    with instance.db.active():
        return (await Agreement.get(id=agreement.id)).state


async def proposal_on(instance, proposal_ap_id: str) -> tuple[ProposalStatus, Decimal]:
    with instance.db.active():
        proposal = await find_proposal_by_ap_id(proposal_ap_id)
        return proposal.status, proposal.available_hours


async def ledger_on(instance, someone: Actor) -> Ledger:
    with instance.db.active():
        return await ledger_of(await Actor.get(ap_id=someone.ap_id))


def tally(given: int, received_: int, by_collective: dict[str, tuple[int, int]]) -> Ledger:
    """A Ledger in whole hours; `by_collective` maps a domain to (given, received)."""
    return Ledger(
        Decimal(given),
        Decimal(received_),
        {domain: Tally(Decimal(g), Decimal(r)) for domain, (g, r) in by_collective.items()},
    )


async def test_a_coworking_member_answers_a_drivers_offer_and_both_ledgers_count_it(network):
    drivers, coworking, coaching = network
    ana, bea = await member(drivers, "ana"), await member(coworking, "bea")
    at_drivers, at_coworking = drivers.settings.domain, coworking.settings.domain

    # Given a drivers member offers 3 hours of transport, which reaches the allied collectives
    offer_ap_id = await publish_offer(drivers, ana, 3)
    await drain(drivers, coworking, coaching)
    for instance in (coworking, coaching):
        assert await proposal_on(instance, offer_ap_id) == (ProposalStatus.OPEN, Decimal(3))

    # When a coworking member answers it and offers to take 2 of the hours
    offered = await offer_to_take(
        coworking, bea, offer_ap_id, 2, reply="Avec plaisir : deux bureaux à déménager mardi."
    )
    await drain(drivers, coworking, coaching)

    # Then drivers has the reply as a response, and the offer, linked to it, waiting for its author
    with drivers.db.active():
        [response] = await Post.filter(in_reply_to__ap_id=offer_ap_id, author__ap_id=bea.ap_id)
        waiting = await Agreement.get(offer_activity_id=offered.offer_activity_id)
        # One event, one notification: the reply (which mentions Ana) and its Offer arrive as one agreement step
        (told,) = await Notification.filter(recipient=ana, from_actor__ap_id=bea.ap_id)
        assert told.kind == NotificationKind.AGREEMENT and told.action == "offered"
        assert told.post_id == response.id and told.agreement_id == waiting.id
        assert waiting.state == AgreementState.OFFERED and waiting.hours == Decimal(2)
        assert waiting.response_id == response.id

    # When the author accepts it
    waiting = await accept_offer(drivers, ana, offered)
    await drain(drivers, coworking, coaching)

    # Then both sides hold the same accepted agreement, and 1 hour is still on offer everywhere
    with coworking.db.active():
        offered = await Agreement.get(id=offered.id)
    assert offered.state == AgreementState.ACCEPTED and offered.ap_id == waiting.ap_id
    for instance in (drivers, coworking, coaching):
        assert await proposal_on(instance, offer_ap_id) == (ProposalStatus.OPEN, Decimal(1))

    # When each side confirms that the help was given (bea twice: the second changes nothing)
    await confirm(drivers, waiting, ana)
    await confirm(coworking, offered, bea)
    await confirm(coworking, offered, bea)
    await drain(drivers, coworking, coaching)

    # Then the agreement is fulfilled on both sides, and each ledger counts 2 hours, once, by collective
    assert await state_of(drivers, waiting) == await state_of(coworking, offered) == AgreementState.FULFILLED
    for instance in (drivers, coworking):
        assert await ledger_on(instance, ana) == tally(2, 0, {at_coworking: (2, 0)})
        assert await ledger_on(instance, bea) == tally(0, 2, {at_drivers: (0, 2)})
    with coaching.db.active():
        assert not await Agreement.all().exists()
    assert await received(coaching, "Offer") == []
    assert [doc for doc in await received(coaching, "Accept") if "result" in doc] == []

    # And what travelled has the FEP-0837 shape: the Offer(Agreement) drivers received from coworking
    [offer_sent] = await received(drivers, "Offer")
    offer_fixture = fixture("offer_agreement")
    assert_same_keys(offer_sent, offer_fixture)
    assert_defines_fixture_terms(offer_sent, offer_fixture)
    assert offer_sent["id"] == offered.offer_activity_id and offer_sent["actor"] == bea.ap_id
    assert offer_sent["to"] == ana.ap_id
    agreement_doc = offer_sent["object"]
    assert_same_keys(agreement_doc, offer_fixture["object"], optional={"stipulatesReciprocal"})
    assert agreement_doc["type"] == "Agreement" and "id" not in agreement_doc
    commitment = agreement_doc["stipulates"]
    assert_same_keys(commitment, offer_fixture["object"]["stipulates"])
    assert commitment["type"] == "Commitment" and commitment["satisfies"] == f"{offer_ap_id}#primary"
    assert_hours(commitment["resourceQuantity"], "2")

    # the Accept coworking received from drivers, with the finalised Agreement as `result`
    accepts = [doc for doc in await received(coworking, "Accept") if "result" in doc]
    [accept_sent] = accepts
    accept_fixture = fixture("accept_agreement")
    assert_same_keys(accept_sent, accept_fixture)
    assert_defines_fixture_terms(accept_sent, accept_fixture)
    assert accept_sent["actor"] == ana.ap_id and accept_sent["to"] == bea.ap_id
    assert accept_sent["object"] == offer_sent["id"]
    result = accept_sent["result"]
    assert_same_keys(result, accept_fixture["result"], optional={"stipulatesReciprocal", "url"})
    assert result["type"] == "Agreement" and result["id"] == waiting.ap_id and result["attributedTo"] == ana.ap_id
    final = result["stipulates"]
    assert_same_keys(final, accept_fixture["result"]["stipulates"])
    assert final["id"] == f"{waiting.ap_id}#primary" and final["type"] == "Commitment"
    assert final["satisfies"] == f"{offer_ap_id}#primary"
    assert_hours(final["resourceQuantity"], "2")

    # the proposal itself, a Note with the FEP-0837 Intent, as coworking received it from drivers
    proposal_note = next(
        doc["object"]["object"]
        for doc in await received(coworking, "Announce")
        if isinstance(doc["object"], dict) and doc["object"]["object"]["id"] == offer_ap_id
    )
    proposal_fixture = fixture("proposal_full")
    assert proposal_note["type"] == "Note" and proposal_note["purpose"] == "offer"
    assert proposal_note["attributedTo"] == ana.ap_id and AS + "#Public" in proposal_note["to"]
    intent = proposal_note["publishes"]
    assert set(proposal_fixture["publishes"]) - {"resourceConformsTo", "minimumQuantity"} <= set(intent)
    assert intent["type"] == "Intent" and intent["id"] == f"{offer_ap_id}#primary"
    assert_hours(intent["resourceQuantity"], "3")
    assert_hours(intent["availableQuantity"], "3")
    assert proposal_note["location"]["type"] == "Place"

    # and the confirmations each side received: Create(Document) whose context is the agreement, once each
    for instance, confirmer in ((drivers, bea), (coworking, ana)):
        [confirmation] = [doc for doc in await received(instance, "Create") if doc["object"]["type"] == "Document"]
        receipt_fixture = fixture("confirmation_receipt")
        assert_same_keys(confirmation, receipt_fixture)
        assert confirmation["actor"] == confirmer.ap_id
        document = confirmation["object"]
        assert set(receipt_fixture["object"]) <= set(document)
        assert document["type"] == "Document" and document["context"] == waiting.ap_id
        assert document["id"].startswith(confirmer.ap_id) and confirmation["id"].startswith(document["id"])


async def test_the_last_hours_go_to_two_collectives_and_one_sided_confirmations_count_nowhere(network):
    drivers, coworking, coaching = network
    ana, bea, cyd = await member(drivers, "ana"), await member(coworking, "bea"), await member(coaching, "cyd")
    at_drivers, at_coworking, at_coaching = (i.settings.domain for i in (drivers, coworking, coaching))
    offer_ap_id = await publish_offer(drivers, ana, 3)
    await drain(drivers, coworking, coaching)

    # Given a coworking member takes 2 hours and a coaching member the last one, both accepted
    from_bea = await offer_to_take(coworking, bea, offer_ap_id, 2)
    from_cyd = await offer_to_take(coaching, cyd, offer_ap_id, 1)
    await drain(drivers, coworking, coaching)
    with_bea = await accept_offer(drivers, ana, from_bea)
    with_cyd = await accept_offer(drivers, ana, from_cyd)
    await drain(drivers, coworking, coaching)

    # Then the offer is agreed, with nothing left, on all three instances
    for instance in (drivers, coworking, coaching):
        assert await proposal_on(instance, offer_ap_id) == (ProposalStatus.AGREED, Decimal(0))

    # When ana confirms both, bea confirms hers and cyd does not
    await confirm(drivers, with_bea, ana)
    await confirm(drivers, with_cyd, ana)
    await confirm(coworking, from_bea, bea)
    await drain(drivers, coworking, coaching)

    # Then only bea's exchange counts, and the offer waits for cyd's
    assert await state_of(drivers, with_cyd) == await state_of(coaching, from_cyd) == AgreementState.ACCEPTED
    assert await ledger_on(drivers, ana) == tally(2, 0, {at_coworking: (2, 0)})
    assert await ledger_on(coaching, cyd) == tally(0, 0, {})
    assert await ledger_on(drivers, cyd) == tally(0, 0, {})
    for instance in (drivers, coworking, coaching):
        assert (await proposal_on(instance, offer_ap_id))[0] == ProposalStatus.AGREED

    # When cyd confirms too
    await confirm(coaching, from_cyd, cyd)
    await drain(drivers, coworking, coaching)

    # Then ana gave 3 hours to two collectives, and the offer is fulfilled everywhere
    assert await ledger_on(drivers, ana) == tally(3, 0, {at_coworking: (2, 0), at_coaching: (1, 0)})
    assert await ledger_on(coaching, ana) == tally(1, 0, {at_coaching: (1, 0)})
    assert await ledger_on(coaching, cyd) == tally(0, 1, {at_drivers: (0, 1)})
    for instance in (drivers, coworking, coaching):
        assert (await proposal_on(instance, offer_ap_id))[0] == ProposalStatus.FULFILLED


# --- with Mastodon users ----------------------------------------------------------------------------


def mastodon_note(fake, number: int, content: str, *, mentions: list[str], **fields: Any) -> dict[str, Any]:
    """A public status as Mastodon sends it: mentioned actors in cc and as Mention tags."""
    actor = fake.actor_id("alice")
    tags = [{"type": "Mention", "href": href} for href in mentions] + fields.pop("tag", [])
    return {
        "id": fake.url(f"/users/alice/statuses/{number}"),
        "type": "Note",
        "attributedTo": actor,
        "content": content,
        "published": "2026-03-02T09:30:00Z",
        "to": [f"{AS}#Public"],
        "cc": [f"{actor}/followers", *mentions],
        "tag": tags,
        **fields,
    }


async def post_from_mastodon(fake, instance, note: dict[str, Any]) -> None:
    activity = {
        "@context": AS,
        "id": f"{note['id']}/activity",
        "type": "Create",
        "actor": note["attributedTo"],
        "published": note["published"],
        "to": note["to"],
        "cc": note["cc"],
        "object": note,
    }
    status, text = await fake.post_signed(f"{instance.base_url}/inbox", activity)
    assert status == 202, text
    await drain(instance)


async def test_a_mastodon_reply_becomes_an_agreement_and_its_writer_gets_a_direct_note(make_instance, aiohttp_server):
    drivers = await make_instance("drivers")
    fake = await start_fake_remote(aiohttp_server)
    with drivers.db.active():
        await ensure_default_categories()
        await add_member(drivers.base_url, "ana", email="ana@example.org", password="correct horse battery")
    ana = await member(drivers, "ana")
    with drivers.db.active():
        request = await create_proposal(
            ana,
            ProposalTerms(
                purpose=ProposalPurpose.REQUEST,
                title="Relire nos statuts",
                text="Une heure de relecture juridique.",
                category="administratif",
                hours=Decimal(1),
            ),
            language="fr",
        )

    # Given a Mastodon user replies to ana's request
    reply = mastodon_note(
        fake, 7, "<p>@ana Je suis juriste, je peux relire.</p>", mentions=[ana.ap_id], inReplyTo=request.post.ap_id
    )
    await post_from_mastodon(fake, drivers, reply)

    # Then it appears as a response, and ana is told
    with drivers.db.active():
        [response] = await responses.list_responses(request, local_viewer(ana))
        assert response.ap_id == reply["id"] and "juriste" in response.content
        assert await Notification.filter(recipient=ana, kind=NotificationKind.RESPONSE, post=response).exists()

    # When ana accepts it
    with drivers.db.active():
        agreement = await agreements.agree_to_response(response, by=ana)
    await drain(drivers)

    # Then alice provides the hour, and she gets a signed direct Note that mentions her
    assert agreement.state == AgreementState.ACCEPTED and agreement.provider.ap_id == fake.actor_id("alice")
    creates = [seen for seen in fake.received if seen.activity["type"] == "Create"]
    [direct] = [seen for seen in creates if seen.activity["object"]["to"] == [fake.actor_id("alice")]]
    assert direct.verified and direct.key_id.startswith(ana.ap_id)
    note = direct.activity["object"]
    assert note["cc"] == [] and note["inReplyTo"] == reply["id"]
    assert {"type": "Mention", "href": fake.actor_id("alice"), "name": f"@alice@{fake.domain}"} in note["tag"]
    assert "accord : 1 h" in note["content"]
    assert f'<a href="{fake.url("/@alice")}" class="u-url mention">@<span>alice</span></a>' in note["content"]


@pytest.mark.parametrize("outside_proposals", [True, False])
async def test_hashtag_posts_from_outside_become_proposals_only_when_allowed(
    make_instance, aiohttp_server, outside_proposals
):
    drivers = await make_instance("drivers", outside_proposals=outside_proposals)
    coworking = await make_instance("coworking")
    fake = await start_fake_remote(aiohttp_server)
    for instance, username in ((drivers, "ana"), (coworking, "bea")):
        with instance.db.active():
            await ensure_default_categories()
            await add_member(
                instance.base_url, username, email=f"{username}@example.org", password="correct horse battery"
            )
    with drivers.db.active():
        collective = await get_collective("drivers")
    await ally(coworking, drivers)

    # When a Mastodon user mentions the collective with #offre, and a coworking member publishes an offer
    plain = mastodon_note(
        fake,
        8,
        "<p>@drivers #offre Je peux traduire vos devis, 2 h #traduction</p>",
        mentions=[collective.ap_id],
        tag=[{"type": "Hashtag", "name": "#offre"}, {"type": "Hashtag", "name": "#traduction"}],
    )
    await post_from_mastodon(fake, drivers, plain)
    bea = await member(coworking, "bea")
    with coworking.db.active():
        fep = await create_proposal(
            bea,
            ProposalTerms(
                purpose=ProposalPurpose.OFFER,
                title="Prêt d'une salle de réunion",
                text="Le jeudi soir.",
                category="pret",
                hours=Decimal(2),
            ),
            language="fr",
        )
    await drain(drivers, coworking)

    # Then the plain post is kept either way, and is a proposal only when outside proposals are allowed
    with drivers.db.active():
        assert await Post.filter(ap_id=plain["id"]).exists()
        from_hashtags = await find_proposal_by_ap_id(plain["id"])
        assert (from_hashtags is not None) is outside_proposals
        if from_hashtags is not None:
            assert from_hashtags.purpose == ProposalPurpose.OFFER and from_hashtags.hours == Decimal(2)
        # and the FEP-0837 proposal from the other fedaid instance is one in both cases
        assert (await find_proposal_by_ap_id(fep.post.ap_id)).hours == Decimal(2)


async def test_a_reject_and_cancellations_from_either_side_reach_the_other_instance(network):
    drivers, coworking, coaching = network
    ana, bea = await member(drivers, "ana"), await member(coworking, "bea")
    offer_ap_id = await publish_offer(drivers, ana, 3)
    await drain(drivers, coworking, coaching)

    # When ana declines bea's first offer, with a reason
    first = await offer_to_take(coworking, bea, offer_ap_id, 2)
    await drain(drivers, coworking, coaching)
    with drivers.db.active():
        declined = await Agreement.get(offer_activity_id=first.offer_activity_id)
        await agreements.reject_agreement(declined, by=ana, reason="Pas ce mardi, désolée")
    await drain(drivers, coworking, coaching)

    # Then it is rejected on both sides, by a Reject of the fixture's shape
    assert await state_of(coworking, first) == AgreementState.REJECTED
    [reject] = [doc for doc in await received(coworking, "Reject") if doc["object"] == first.offer_activity_id]
    assert_same_keys(reject, fixture("reject_agreement"))
    assert reject["actor"] == ana.ap_id and reject["to"] == bea.ap_id and "mardi" in reject["content"]

    # When bea offers again, ana accepts, and then bea calls it off
    second = await offer_to_take(coworking, bea, offer_ap_id, 2)
    await drain(drivers, coworking, coaching)
    with_bea = await accept_offer(drivers, ana, second)
    await drain(drivers, coworking, coaching)
    with coworking.db.active():
        await agreements.cancel_agreement(await Agreement.get(id=second.id), by=bea)
    await drain(drivers, coworking, coaching)

    # Then drivers cancels it too, and the hours are on offer again everywhere
    assert await state_of(drivers, with_bea) == AgreementState.CANCELLED
    for instance in (drivers, coworking, coaching):
        assert await proposal_on(instance, offer_ap_id) == (ProposalStatus.OPEN, Decimal(3))

    # When bea offers a third time, ana accepts, and this time ana calls it off
    third = await offer_to_take(coworking, bea, offer_ap_id, 1)
    await drain(drivers, coworking, coaching)
    with_bea = await accept_offer(drivers, ana, third)
    await drain(drivers, coworking, coaching)
    with drivers.db.active():
        await agreements.cancel_agreement(with_bea, by=ana)
    await drain(drivers, coworking, coaching)

    # Then coworking cancels it too
    assert await state_of(coworking, third) == AgreementState.CANCELLED
    for instance in (drivers, coworking):
        assert await proposal_on(instance, offer_ap_id) == (ProposalStatus.OPEN, Decimal(3))


async def test_a_confirmation_that_overtakes_the_accept_is_applied_once_the_accept_arrives(network):
    drivers, coworking, coaching = network
    ana, bea = await member(drivers, "ana"), await member(coworking, "bea")
    offer_ap_id = await publish_offer(drivers, ana, 2)
    await drain(drivers, coworking, coaching)
    offered = await offer_to_take(coworking, bea, offer_ap_id, 2)
    await drain(drivers, coworking, coaching)

    # Given ana accepts and confirms at once, and the Accept's first delivery attempt fails
    waiting = await accept_offer(drivers, ana, offered)
    await confirm(drivers, waiting, ana)
    later = datetime.now(UTC) + timedelta(hours=1)
    with drivers.db.active():
        assert await Delivery.filter(activity_id=f"{waiting.ap_id}/accept").update(next_attempt_at=later) == 1

    # When the confirmation reaches coworking first
    await drain(drivers, coworking, coaching)
    assert await state_of(coworking, offered) == AgreementState.OFFERED

    # And the Accept follows, then the inbox tries the confirmation again
    with drivers.db.active():
        await Delivery.filter(activity_id=f"{waiting.ap_id}/accept").update(next_attempt_at=datetime.now(UTC))
    await drain(drivers, coworking, coaching)
    with coworking.db.active():
        await InboxItem.filter(state=InboxState.PENDING).update(next_attempt_at=datetime.now(UTC))
    await drain(drivers, coworking, coaching)

    # Then coworking counts ana's confirmation, and bea's completes the exchange on both sides
    await confirm(coworking, offered, bea)
    await drain(drivers, coworking, coaching)
    assert await state_of(drivers, waiting) == await state_of(coworking, offered) == AgreementState.FULFILLED
    assert await ledger_on(coworking, bea) == tally(0, 2, {drivers.settings.domain: (0, 2)})


async def test_on_a_request_the_member_who_answers_gives_the_hours(network):
    drivers, coworking, coaching = network
    ana, bea = await member(drivers, "ana"), await member(coworking, "bea")
    request_ap_id = await publish_offer(drivers, ana, 2, purpose=ProposalPurpose.REQUEST)
    await drain(drivers, coworking, coaching)

    offered = await offer_to_take(coworking, bea, request_ap_id, 2, reply="J'ai un utilitaire libre samedi.")
    await drain(drivers, coworking, coaching)
    waiting = await accept_offer(drivers, ana, offered)
    await drain(drivers, coworking, coaching)
    await confirm(coworking, offered, bea)
    await confirm(drivers, waiting, ana)
    await drain(drivers, coworking, coaching)

    for instance in (drivers, coworking):
        assert await ledger_on(instance, bea) == tally(2, 0, {drivers.settings.domain: (2, 0)})
        assert await ledger_on(instance, ana) == tally(0, 2, {coworking.settings.domain: (0, 2)})
        assert await proposal_on(instance, request_ap_id) == (ProposalStatus.FULFILLED, Decimal(0))


async def test_an_offer_past_its_date_expires_in_the_worker_and_the_allies_hear_of_it(network):
    drivers, coworking, coaching = network
    ana = await member(drivers, "ana")
    with drivers.db.active():
        offer = await create_proposal(
            ana,
            ProposalTerms(
                purpose=ProposalPurpose.OFFER,
                title="Prêt d'une remorque",
                text="Pour un déménagement.",
                category="pret",
                expires_at=datetime.now(UTC) + timedelta(days=1),
            ),
            language="fr",
        )
    await drain(drivers, coworking, coaching)
    assert (await proposal_on(coworking, offer.post.ap_id))[0] == ProposalStatus.OPEN

    # When its date passes (moved here to the past) and the worker of a freshly started drivers process runs
    with drivers.db.active():
        await Proposal.filter(id=offer.id).update(expires_at=datetime.now(UTC) - timedelta(minutes=1))
    drivers.app[EXPIRY] = ExpiryTimer()
    await drain(drivers, coworking, coaching)

    # Then it expired at home, and the Update told the allied collectives
    for instance in (drivers, coworking, coaching):
        assert (await proposal_on(instance, offer.post.ap_id))[0] == ProposalStatus.EXPIRED
    [update] = [
        doc["object"]["object"]
        for doc in await received(coworking, "Announce")
        if isinstance(doc["object"], dict) and doc["object"]["type"] == "Update"
    ]
    assert update["id"] == offer.post.ap_id and update["status"] == "expired" and "updated" in update
