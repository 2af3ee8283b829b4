"""fedaid's own REST API: its OpenAPI document is valid, and every answer matches it."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from factories import make_post

PREFIX = "/api/fedaid/v1"


class FedaidSchema:
    """Validates answers against the document the instance serves."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.registry = Registry().with_resource("urn:fedaid", Resource.from_contents(
            document, default_specification=DRAFT202012))

    def check(self, method: str, template: str, status: int, body: Any) -> None:
        operation = self.document["paths"][template][method.lower()]
        assert str(status) in operation["responses"], f"{method} {template} answered {status}, not documented"
        pointer = "/".join(["#", "paths", template.replace("/", "~1"), method.lower(), "responses", str(status),
                            "content", "application~1json", "schema"])
        validator = Draft202012Validator({"$ref": "urn:fedaid" + pointer}, registry=self.registry)
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)]
        assert not errors, errors


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
        lyon = await make_post(ana.actor, "<p>a</p>", tags=("offre",), proposal={
            "title": "Déménagement", "category": "transport", "latitude": 45.76, "longitude": 4.84,
            "place_name": "Lyon"})
        await make_post(ana.actor, "<p>b</p>", proposal={"title": "Compta", "purpose": "request",
                                                          "category": "comptabilite"})
        paris = await make_post(ana.actor, "<p>c</p>", proposal={
            "title": "Vélo", "category": "transport", "latitude": 48.85, "longitude": 2.35})
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
