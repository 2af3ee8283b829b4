"""fedaid's own REST API: its OpenAPI document is valid, and every answer matches it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from factories import make_post
from fedaid_schema import FedaidSchema

from fedaid.domain import demands
from fedaid.domain.categories import ensure_default_categories
from fedaid.models import (
    AccountRole,
    Actor,
    ActorType,
    Agreement,
    AgreementState,
    Exchange,
    GroupKind,
    Proposal,
)
from fedaid.models.ids import new_id

PREFIX = "/api/fedaid/v1"


@pytest.fixture
async def fedaid_schema(api) -> FedaidSchema:
    answer = await api.get(f"{PREFIX}/openapi.json")
    assert answer.status == 200
    return FedaidSchema(answer.body)


async def test_openapi_document_is_a_valid_openapi_31_document(fedaid_schema) -> None:
    openapi_spec_validator = pytest.importorskip("openapi_spec_validator")
    openapi_spec_validator.validate(fedaid_schema.document)
    assert fedaid_schema.document["openapi"] == "3.1.0"


async def test_proposals_filter_by_purpose_category_place_and_page(api, fedaid_schema) -> None:
    ana = await api.add_member("ana")
    with api.instance.db.active():
        lyon = await make_post(
            ana.actor,
            "<p>a</p>",
            tags=("offre",),
            proposal={
                "title": "Déménagement",
                "category": "transport",
                "latitude": 45.76,
                "longitude": 4.84,
                "place_name": "Lyon",
            },
        )
        await make_post(
            ana.actor, "<p>b</p>", proposal={"title": "Compta", "purpose": "request", "category": "comptabilite"}
        )
        paris = await make_post(
            ana.actor,
            "<p>c</p>",
            proposal={"title": "Vélo", "category": "transport", "latitude": 48.85, "longitude": 2.35},
        )
        await make_post(ana.actor, "<p>not a proposal</p>")
    every = await api.get(f"{PREFIX}/proposals")
    fedaid_schema.check("GET", f"{PREFIX}/proposals", every.status, every.body)
    assert len(every.body) == 3
    offers = await api.get(f"{PREFIX}/proposals", params={"purpose": "offer", "category": "transport"})
    assert [p["id"] for p in offers.body] == [str(paris.id), str(lyon.id)]
    near = await api.get(f"{PREFIX}/proposals/", params={"near": "45.75,4.85", "radius_km": "10"})
    assert [p["fedaid"]["title"] for p in near.body] == ["Déménagement"]
    tagged = await api.get(f"{PREFIX}/proposals", params={"tag": "offre"})
    assert [p["id"] for p in tagged.body] == [str(lyon.id)]
    paged = await api.get(f"{PREFIX}/proposals", params={"limit": "1"})
    assert "max_id=" in paged.headers["Link"]
    one = await api.get(f"{PREFIX}/proposals/{lyon.id}")
    fedaid_schema.check("GET", f"{PREFIX}/proposals/{{id}}", one.status, one.body)
    missing = await api.get(f"{PREFIX}/proposals/1")
    fedaid_schema.check("GET", f"{PREFIX}/proposals/{{id}}", missing.status, missing.body)
    bad = await api.get(f"{PREFIX}/proposals", params={"purpose": "gift"})
    fedaid_schema.check("GET", f"{PREFIX}/proposals", bad.status, bad.body)
    assert bad.status == 400


async def test_categories(api, fedaid_schema) -> None:
    answer = await api.get(f"{PREFIX}/categories")
    fedaid_schema.check("GET", f"{PREFIX}/categories", answer.status, answer.body)


async def test_agreement_exchange_and_ledger_story(api, fedaid_schema) -> None:
    # Given ana's offer of 3 hours, posted as a plain status
    await api.add_member("ana")
    cy = await api.add_member("cy")
    with api.instance.db.active():
        await ensure_default_categories()
    offer = await api.post("/api/v1/statuses", as_="ana", json={"status": "Déménagement\n3 h\n#offre #transport"})
    assert offer.status == 200, offer.body
    proposals_path = f"{PREFIX}/proposals/{offer.body['id']}/agreements"

    async def call(method: str, template: str, path: str, who: str, **kwargs):
        answer = await api.call(method, path, as_=who, check=False, **kwargs)
        fedaid_schema.check(method, template, answer.status, answer.body)
        return answer

    # When cy offers to take 2 hours of it, and ana accepts
    offered = await call("POST", f"{PREFIX}/proposals/{{id}}/agreements", proposals_path, "cy", data={"hours": "2"})
    assert offered.status == 200 and offered.body["state"] == "offered", offered.body
    agreement = offered.body["id"]
    assert offered.body["provider"]["acct"] == "ana" and offered.body["receiver"]["acct"] == "cy"
    refused = await call("POST", f"{PREFIX}/agreements/{{id}}/accept", f"{PREFIX}/agreements/{agreement}/accept", "cy")
    assert refused.status == 403
    accepted = await call(
        "POST", f"{PREFIX}/agreements/{{id}}/accept", f"{PREFIX}/agreements/{agreement}/accept", "ana"
    )
    assert accepted.body["state"] == "accepted"
    # And both confirm the help was given
    for who in ("ana", "cy"):
        confirmed = await call(
            "POST", f"{PREFIX}/agreements/{{id}}/confirm", f"{PREFIX}/agreements/{agreement}/confirm", who, json={}
        )
        assert confirmed.status == 200, confirmed.body
    # Then the agreement is fulfilled and counted in both ledgers, given and received apart
    assert confirmed.body["state"] == "fulfilled" and confirmed.body["exchange"]["is_confirmed"] is True
    listed = await call("GET", f"{PREFIX}/agreements", f"{PREFIX}/agreements", "cy")
    assert [a["id"] for a in listed.body] == [agreement]
    exchanges = await call("GET", f"{PREFIX}/exchanges", f"{PREFIX}/exchanges", "ana")
    assert exchanges.body[0]["hours"] == 2
    mine = await call("GET", f"{PREFIX}/ledger", f"{PREFIX}/ledger", "ana")
    assert (mine.body["given_hours"], mine.body["received_hours"]) == (2, 0)
    theirs = await call("GET", f"{PREFIX}/accounts/{{id}}/ledger", f"{PREFIX}/accounts/{cy.actor.id}/ledger", "cy")
    assert (theirs.body["given_hours"], theirs.body["received_hours"]) == (0, 2)
    shown = await call("GET", f"{PREFIX}/proposals/{{id}}/agreements", proposals_path, "ana")
    assert [a["state"] for a in shown.body] == ["fulfilled"]


async def test_alerts_are_listed_created_and_deleted(api, fedaid_schema) -> None:
    await api.add_member("ana")
    path = f"{PREFIX}/alerts"
    created = await api.post(path, as_="ana", json={"purpose": "request", "tag": "#Velo"}, check=False)
    fedaid_schema.check("POST", path, created.status, created.body)
    assert created.body["tag"] == "velo" and created.body["purpose"] == "request"
    empty = await api.post(path, as_="ana", data={}, check=False)
    fedaid_schema.check("POST", path, empty.status, empty.body)
    assert empty.status == 400
    listed = await api.get(path, as_="ana", check=False)
    fedaid_schema.check("GET", path, listed.status, listed.body)
    assert [a["id"] for a in listed.body] == [created.body["id"]]
    gone = await api.call("DELETE", f"{path}/{created.body['id']}", as_="ana", check=False)
    fedaid_schema.check("DELETE", f"{path}/{{id}}", gone.status, gone.body)
    assert (await api.get(path, as_="ana", check=False)).body == []
    unauthenticated = await api.get(path, check=False)
    fedaid_schema.check("GET", path, unauthenticated.status, unauthenticated.body)


# --- collective demands and the ledger between collectives --------------------------------------


async def published_demand(api, organiser) -> Any:
    with api.instance.db.active():
        demand = await demands.draft_demand(
            organiser.actor,
            demands.DemandTerms(
                title="Un tarif minimum au kilomètre",
                target="Plateforme VTC",
                claims=["1,20 € minimum par kilomètre", "Des tarifs publiés"],
                deadline=datetime.now(UTC) + timedelta(days=30),
            ),
        )
        return await demands.publish_demand(demand, by=organiser.actor)


async def test_demands_are_listed_shown_and_supported_through_the_api(api, fedaid_schema) -> None:
    organiser = await api.add_member("orga", role=AccountRole.ORGANISER)
    await api.add_member("ana")
    demand = await published_demand(api, organiser)
    with api.instance.db.active():
        draft = await demands.draft_demand(
            organiser.actor, demands.DemandTerms(title="Brouillon", target="Mairie", claims=["x"])
        )

    async def call(method: str, template: str, who: str | None = None, **kwargs):
        path = template.replace("{id}", str(kwargs.pop("id", demand.id)))
        answer = await api.call(method, path, as_=who, check=False, **kwargs)
        fedaid_schema.check(method, template, answer.status, answer.body)
        return answer

    # Anonymous readers see the published demand, not the draft; members here see both
    anonymous = await call("GET", f"{PREFIX}/demands")
    assert [row["id"] for row in anonymous.body] == [str(demand.id)]
    assert anonymous.body[0]["claims"] == ["1,20 € minimum par kilomètre", "Des tarifs publiés"]
    assert anonymous.body[0]["target"] == "Plateforme VTC" and anonymous.body[0]["status"] == "open"
    members = await call("GET", f"{PREFIX}/demands", "ana")
    assert {row["id"] for row in members.body} == {str(demand.id), str(draft.id)}
    assert (await call("GET", f"{PREFIX}/demands/{{id}}", id=draft.id)).status == 404
    assert (await call("GET", f"{PREFIX}/demands", params={"status": "nonsense"})).status == 400

    # ana supports it by name; the count, her name and her own support show
    supported = await call("POST", f"{PREFIX}/demands/{{id}}/support", "ana", json={"named": True})
    assert supported.status == 200, supported.body
    assert supported.body["supporters_count"] == 1 and supported.body["supported_by_name"] is True
    assert [row["account"]["acct"] for row in supported.body["named_supporters"]] == ["ana"]
    # Twice: refused with a reason, still one
    again = await call("POST", f"{PREFIX}/demands/{{id}}/support", "ana", json={"named": True})
    assert again.status == 409 and "already" in again.body["error"]
    # orga supports it counted only: two supporters, one name
    counted = await call("POST", f"{PREFIX}/demands/{{id}}/support", "orga")
    assert counted.body["supporters_count"] == 2 and len(counted.body["named_supporters"]) == 1
    # Without a token: 401; ana takes her support back
    assert (await call("POST", f"{PREFIX}/demands/{{id}}/support")).status == 401
    withdrawn = await call("POST", f"{PREFIX}/demands/{{id}}/withdraw_support", "ana")
    assert withdrawn.body["supporters_count"] == 1 and withdrawn.body["supported"] is False
    shown = await call("GET", f"{PREFIX}/demands/{{id}}", "orga")
    assert shown.body["supported"] is True and shown.body["named_supporters"] == []
    assert [row["status"] for row in shown.body["history"]] == ["draft", "open"]
    # And the poll it names is the one the Mastodon API votes in
    poll = await api.get(f"/api/v1/polls/{shown.body['poll_id']}", as_="orga")
    assert poll.status == 200 and poll.body["voters_count"] == 1


async def test_the_ledger_between_collectives_in_the_api(api, fedaid_schema) -> None:
    ana = await api.add_member("ana")
    with api.instance.db.active():
        await ensure_default_categories()
    offer = await api.post("/api/v1/statuses", as_="ana", json={"status": "Déménagement\n3 h\n#offre #transport"})
    assert offer.status == 200, offer.body
    path = f"{PREFIX}/collective/ledger"
    empty = await api.get(path, check=False)
    fedaid_schema.check("GET", path, empty.status, empty.body)
    assert empty.body["pairs"] == [] and empty.body["reported_between_others"] == []
    # Given a confirmed exchange: ana gave 2 hours to a member of the coworking collective, elsewhere
    with api.instance.db.active():
        proposal = await Proposal.get(post_id=int(offer.body["id"]))
        elsewhere = "https://coworking.example"
        await Actor.create(
            ap_id=f"{elsewhere}/c/coworking", type=ActorType.GROUP, username="coworking", domain="coworking.example",
            is_local=False, inbox=f"{elsewhere}/c/coworking/inbox", group_kind=GroupKind.COLLECTIVE,
        )  # fmt: skip
        bea = await Actor.create(
            ap_id=f"{elsewhere}/u/bea", type=ActorType.PERSON, username="bea", domain="coworking.example",
            is_local=False, inbox=f"{elsewhere}/u/bea/inbox",
        )  # fmt: skip
        agreement = await Agreement.create(
            id=new_id(), proposal=proposal, provider=ana.actor, receiver=bea, hours=Decimal(2),
            state=AgreementState.FULFILLED,
        )  # fmt: skip
        moment = datetime.now(UTC)
        await Exchange.create(
            id=new_id(), agreement=agreement, hours=Decimal(2), provider_confirmed_at=moment,
            receiver_confirmed_at=moment,
        )  # fmt: skip
    # Then the collective ledger names the pair, with the hours given
    answer = await api.get(path, check=False)
    fedaid_schema.check("GET", path, answer.status, answer.body)
    assert answer.body["collective"]["acct"] == api.instance.settings.collective_slug
    assert [(p["domain"], p["given_hours"], p["received_hours"]) for p in answer.body["pairs"]] == [
        ("coworking.example", 2.0, 0.0)
    ]
    assert answer.body["pairs"][0]["collective"]["acct"] == "coworking@coworking.example"
