"""Tests for activitypub/proposals.py, parse/proposals.py and parse/agreements.py: FEP-0837, read and written.

The JSON we send is compared with the FEP's own examples in tests/fixtures/real/fep: the same keys,
the same value types, recursively. Pure: nothing touches a database.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from fedaid.activitypub.parse import parse_note
from fedaid.activitypub.parse.agreements import (
    is_confirmation,
    parse_agreement_accept,
    parse_agreement_offer,
    parse_agreement_reject,
    parse_confirmation,
)
from fedaid.activitypub.parse.proposals import ProposalDoc
from fedaid.activitypub.proposals import (
    confirmation_ap_id,
    render_accept_agreement,
    render_confirmation,
    render_offer_agreement,
    render_reject_agreement,
)
from fedaid.domain.proposals import proposal_of
from fedaid.errors import InvalidActivity
from fedaid.models import Actor, ActorType, Agreement, AgreementState, Exchange, ProposalPurpose, ProposalStatus

from testsupport import FIXTURES

# The FEP's own examples; computed here, since `conftest` names more than one module in this tree.
FEP = FIXTURES / "fep"
PROPOSAL_ID = "https://drivers.example/u/ana/posts/116000000000000001"
ANA = Actor(
    id=1,
    ap_id="https://drivers.example/u/ana",
    type=ActorType.PERSON,
    username="ana",
    domain="drivers.example",
    is_local=True,
    inbox="https://drivers.example/u/ana/inbox",
)
BOB = Actor(
    id=2,
    ap_id="https://cowork.example/u/bob",
    type=ActorType.PERSON,
    username="bob",
    domain="cowork.example",
    is_local=False,
    inbox="https://cowork.example/u/bob/inbox",
)
COLLECTIVE = "https://drivers.example/c/collectif"


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FEP / f"{name}.json").read_text())


def shape(value: Any) -> Any:
    """Keys and value types, recursively (lists by their first item); what two documents must share."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items() if key != "@context"}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


def agreement(**overrides: object) -> Agreement:
    values: dict[str, object] = dict(
        id=42,
        ap_id=f"{PROPOSAL_ID}/agreements/42",
        proposal_id=7,
        provider_id=ANA.id,
        receiver_id=BOB.id,
        hours=Decimal("2.00"),
        state=AgreementState.OFFERED,
        offer_activity_id="https://cowork.example/u/bob/offers/42",
    )
    values.update(overrides)
    return Agreement(**values)


def note(**fields: Any) -> dict[str, Any]:
    doc = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": "https://masto.example/users/eve/statuses/1",
        "type": "Note",
        "attributedTo": "https://masto.example/users/eve",
        "content": "<p>Bonjour</p>",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    }
    doc.update(fields)
    return doc


# ---------------------------------------------------------------- proposals in


def proposal_in(doc: dict[str, Any]) -> ProposalDoc:
    proposal = parse_note(doc).proposal
    assert proposal is not None
    return proposal


@pytest.mark.parametrize("types", ["Proposal", ["Note", "Proposal"], "Note"])
def test_fep_proposals_are_read_whatever_their_type(types: Any) -> None:
    doc = copy.deepcopy(fixture("fep0837_proposal_full"))
    doc["type"] = types
    doc["publishes"]["resourceQuantity"] = {"hasUnit": "hour", "hasNumericalValue": "3"}
    doc["publishes"]["availableQuantity"] = {"hasUnit": "hour", "hasNumericalValue": "1.5"}
    proposal = proposal_in(doc)
    assert proposal.purpose == ProposalPurpose.OFFER and proposal.title == "Offering used bike"
    assert (proposal.hours, proposal.available_hours) == (Decimal("3.00"), Decimal("1.50"))
    assert proposal.place is not None and (proposal.place.latitude, proposal.place.longitude) == (25.0, -71.0)
    assert proposal.has_reciprocal and not proposal.is_from_hashtags


def test_an_agreed_proposal_with_no_hours_left_reads_as_zero_available() -> None:
    doc = note(
        purpose="offer",
        status="agreed",
        publishes={
            "type": "Intent",
            "id": "https://masto.example/users/eve/statuses/1#primary",
            "resourceQuantity": {"hasUnit": "hour", "hasNumericalValue": "3"},
            "availableQuantity": {"hasUnit": "hour", "hasNumericalValue": "0"},
        },
    )
    proposal = proposal_in(doc)
    assert (proposal.hours, proposal.available_hours) == (Decimal("3.00"), Decimal("0.00"))


def test_a_proposal_of_zero_hours_falls_back_to_one_hour() -> None:
    doc = note(
        purpose="offer", publishes={"type": "Intent", "resourceQuantity": {"hasUnit": "hour", "hasNumericalValue": 0}}
    )
    assert proposal_in(doc).hours == Decimal(1)


def test_quantities_in_other_units_fall_back_to_one_hour() -> None:
    proposal = proposal_in(fixture("fep0837_proposal_minimal"))
    assert proposal.hours == Decimal(1) and proposal.available_hours == Decimal(1)
    assert proposal.title == "" and proposal.status is None


def test_fedaid_status_category_place_and_end_time_are_read() -> None:
    doc = note(
        purpose="request",
        name="Traduire un devis",
        status="agreed",
        category="traduction",
        endTime="2026-05-01T00:00:00Z",
        location={"type": "Place", "name": "Lyon", "latitude": 45.76, "longitude": 4.83, "radius": 5000, "units": "m"},
        tag=[{"type": "Hashtag", "name": "#demande"}, {"type": "Hashtag", "name": "#Anglais"}],
    )
    proposal = proposal_in(doc)
    assert proposal.purpose == ProposalPurpose.REQUEST and proposal.status == ProposalStatus.AGREED
    assert proposal.category == "traduction" and proposal.tags == ("anglais",)
    assert proposal.place is not None and proposal.place.radius_km == 5.0
    assert proposal.expires_at == datetime(2026, 5, 1, tzinfo=UTC)


def test_a_mastodon_post_mentioning_the_collective_with_a_purpose_hashtag_is_a_proposal() -> None:
    doc = note(
        content="<p>#demande Qui peut m'aider 2 h sur ma compta ? @collectif</p>",
        tag=[{"type": "Hashtag", "name": "#demande"}, {"type": "Mention", "href": COLLECTIVE}],
    )
    parsed = parse_note(doc)
    proposal = proposal_of(parsed, collective_ap_id=COLLECTIVE, allow_hashtag_proposals=True)
    assert proposal is not None and proposal.purpose == ProposalPurpose.REQUEST and proposal.is_from_hashtags
    assert proposal.hours == Decimal("2.00") and proposal.title == "Qui peut m'aider 2 h sur ma compta ? @collectif"
    # not when the policy forbids outside members, nor without the collective
    assert proposal_of(parsed, collective_ap_id=COLLECTIVE, allow_hashtag_proposals=False) is None
    assert proposal_of(parsed, collective_ap_id="https://other.example/c/x", allow_hashtag_proposals=True) is None


@pytest.mark.parametrize("tag", ["#offre", "#offer", "#demande", "#request"])
def test_all_four_purpose_hashtags_count(tag: str) -> None:
    parsed = parse_note(note(tag=[{"type": "Hashtag", "name": tag}, {"type": "Mention", "href": COLLECTIVE}]))
    expected = ProposalPurpose.OFFER if tag in ("#offre", "#offer") else ProposalPurpose.REQUEST
    proposal = proposal_of(parsed, collective_ap_id=COLLECTIVE, allow_hashtag_proposals=True)
    assert proposal is not None and proposal.purpose == expected


def test_a_plain_note_is_no_proposal() -> None:
    assert parse_note(note()).proposal is None


# ---------------------------------------------------------------- agreements out: the fixtures' shape


def test_offer_agreement_has_the_fixture_shape() -> None:
    sent = render_offer_agreement(agreement(), offerer=BOB, proposal_ap_id=PROPOSAL_ID, author_ap_id=ANA.ap_id)
    expected = shape(fixture("fep0837_offer_agreement"))
    del expected["object"]["stipulatesReciprocal"]  # no reciprocal intent in mutual aid
    assert shape(sent) == expected
    assert sent["object"]["stipulates"]["satisfies"] == f"{PROPOSAL_ID}#primary"
    assert sent["object"]["stipulates"]["resourceQuantity"] == {"hasUnit": "hour", "hasNumericalValue": "2"}
    assert parse_agreement_offer(sent).agreement.primary.hours == Decimal("2.00")


def test_accept_has_the_fixture_shape_with_the_final_agreement_as_result() -> None:
    sent = render_accept_agreement(agreement(), author=ANA, proposal_ap_id=PROPOSAL_ID, offerer_ap_id=BOB.ap_id)
    expected = shape(fixture("fep0837_accept_agreement"))
    del expected["result"]["stipulatesReciprocal"], expected["result"]["url"]  # no reciprocal, no payment page
    assert shape(sent) == expected
    assert sent["object"] == agreement().offer_activity_id
    assert sent["result"]["id"] == f"{PROPOSAL_ID}/agreements/42"
    assert sent["result"]["stipulates"]["id"] == f"{PROPOSAL_ID}/agreements/42#primary"
    assert sent["id"].startswith(ANA.ap_id)


def test_reject_has_the_fixture_shape() -> None:
    sent = render_reject_agreement(agreement(), author=ANA, offerer_ap_id=BOB.ap_id, reason="Plus disponible")
    assert shape(sent) == shape(fixture("fep0837_reject_agreement"))
    assert parse_agreement_reject(sent).reason == "Plus disponible"


def test_confirmation_has_the_fixture_shape_and_names_the_agreement_as_context() -> None:
    exchange = Exchange(id=1, agreement_id=42, hours=Decimal("2.00"))
    confirmation_id = confirmation_ap_id(BOB, agreement())
    sent = render_confirmation(
        exchange,
        agreement(),
        confirmer=BOB,
        confirmation_id=confirmation_id,
        confirmed_at=datetime(2026, 3, 5, tzinfo=UTC),
        to=ANA.ap_id,
    )
    expected, ours = shape(fixture("fep0837_confirmation_receipt")), shape(sent)
    # every key of the fixture, with its type; we add attributedTo and the hours confirmed
    outer = [key for key in expected if key != "object"]
    assert {key: ours[key] for key in outer} == {key: expected[key] for key in outer}
    assert {key: ours["object"][key] for key in expected["object"]} == expected["object"]
    assert set(ours["object"]) - set(expected["object"]) == {"attributedTo", "resourceQuantity"}
    assert sent["object"]["context"] == agreement().ap_id
    assert is_confirmation(sent)
    parsed = parse_confirmation(sent)
    assert (parsed.confirmation_ap_id, parsed.agreement_ap_id) == (confirmation_id, agreement().ap_id)


# ---------------------------------------------------------------- agreements in: the fixtures and variants


def test_the_fixtures_parse() -> None:
    offer = parse_agreement_offer(fixture("fep0837_offer_agreement"))
    proposal_id = "https://market.example/proposals/ddde9d6f-6f3b-4770-a966-3a18ef006930"
    assert offer.agreement.primary.proposal_ap_id == proposal_id
    assert offer.agreement.primary.hours is None and offer.agreement.has_reciprocal  # unit "one", not hours
    accept = parse_agreement_accept(fixture("fep0837_accept_agreement"))
    assert accept.offer_ap_id == offer.activity_id
    assert accept.agreement_ap_id == "https://market.example/agreements/edc374aa-e580-4a58-9404-f3e8bf8556b2"
    reject = parse_agreement_reject(fixture("fep0837_reject_agreement"))
    assert (reject.offer_ap_id, reject.reason) == (offer.activity_id, "Not available")
    receipt = parse_confirmation(fixture("fep0837_confirmation_receipt"))
    assert receipt.agreement_ap_id == accept.agreement_ap_id


def test_offer_agreement_variant_type_is_read() -> None:
    doc = fixture("fep0837_offer_agreement")
    doc["type"] = "OfferAgreement"
    assert parse_agreement_offer(doc).agreement.primary.intent_ap_id.endswith("#primary")


def test_accept_agreement_variant_and_the_feps_stiplulates_spelling_are_read() -> None:
    doc = fixture("fep0837_accept_agreement")
    doc["type"] = "AcceptAgreement"
    doc["result"]["stiplulates"] = doc["result"].pop("stipulates")
    accepted = parse_agreement_accept(doc)
    assert accepted.agreement is not None and accepted.agreement.primary.intent_ap_id.endswith("#primary")


def test_accept_whose_object_is_the_agreement_is_read() -> None:
    doc = fixture("fep0837_accept_agreement")
    doc["object"] = doc.pop("result")
    accepted = parse_agreement_accept(doc)
    assert accepted.offer_ap_id is None
    assert accepted.agreement_ap_id == "https://market.example/agreements/edc374aa-e580-4a58-9404-f3e8bf8556b2"


def test_accept_of_a_follow_is_not_an_agreement() -> None:
    follow_accept = {
        "id": "https://market.example/accepts/1",
        "type": "Accept",
        "actor": "https://market.example/users/alice",
        "object": {"id": "https://social.example/follows/1", "type": "Follow"},
    }
    with pytest.raises(InvalidActivity):
        parse_agreement_accept(follow_accept)
    with pytest.raises(InvalidActivity):
        parse_agreement_accept({**follow_accept, "object": "https://social.example/follows/1"})


def test_activity_on_another_server_than_its_actor_is_refused() -> None:
    doc = fixture("fep0837_offer_agreement")
    doc["actor"] = "https://elsewhere.example/users/mallory"
    with pytest.raises(InvalidActivity):
        parse_agreement_offer(doc)
