"""No query or body makes the client API or fedaid's REST API answer 5xx, and JSON answers keep their schema.

A property-based, schema-driven run (hypothesis, derandomised: the same requests every run) over every
operation of Mastodon's OpenAPI description that fedaid implements, and every operation of fedaid's own
document, against one live instance. `FEDAID_FUZZ_EXAMPLES` raises the examples per operation for a longer run.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest
import requests
from factories import make_post
from jsonschema import Draft202012Validator
from operations import demand_poll_id, implemented_mastodon_operations
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from fedaid.api.openapi_parts import PREFIX
from fedaid.domain.categories import ensure_default_categories
from fedaid.domain.follows import follow
from fedaid.models import AccountRole, Notification, NotificationKind

pytest.importorskip("hypothesis")
from schema_fuzz import Document, FuzzReport, Operation, fuzz_operation  # noqa: E402

EXAMPLES = int(os.environ.get("FEDAID_FUZZ_EXAMPLES", "4"))


def fedaid_checker(document: dict[str, Any]):
    """Validate a fedaid answer against its documented response, errors against `Error`."""
    registry = Registry().with_resource(
        "urn:fedaid", Resource.from_contents(document, default_specification=DRAFT202012)
    )

    def check(method: str, path: str, status: int, body: Any) -> list[str]:
        template = next((t for t in document["paths"] if _matches(t, path)), None)
        if template is None:
            return []
        responses = document["paths"][template].get(method.lower(), {}).get("responses", {})
        if str(status) in responses and "content" in responses[str(status)]:
            escaped = template.replace("/", "~1")
            pointer = f"#/paths/{escaped}/{method.lower()}/responses/{status}/content/application~1json/schema"
        elif status >= 400:
            pointer = "#/components/schemas/Error"
        else:
            return [f"{status} is not documented"]
        validator = Draft202012Validator({"$ref": "urn:fedaid" + pointer}, registry=registry)
        return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)][:3]

    return check


def _matches(template: str, path: str) -> bool:
    parts, wanted = template.split("/"), path.split("?")[0].rstrip("/").split("/")
    return len(parts) == len(wanted) and all(p.startswith("{") or p == w for p, w in zip(parts, wanted, strict=True))


def operations(document: dict[str, Any], wanted: set[tuple[str, str]] | None = None) -> list[Operation]:
    found = []
    for template, methods in sorted(document["paths"].items()):
        for method, spec in sorted(methods.items()):
            if not isinstance(spec, dict) or method not in ("get", "post", "put", "patch", "delete"):
                continue
            if wanted is None or (method.upper(), template) in wanted:
                found.append(Operation(method.upper(), template, spec))
    return found


async def test_no_query_or_body_gets_a_5xx(api) -> None:
    # Given one instance with members, posts, an offer, a demand's poll, a follow and a notification
    ana = await api.add_member("ana", role=AccountRole.ADMIN)
    bea = await api.add_member("bea")
    poll_id = await demand_poll_id(api)
    with api.instance.db.active():
        await ensure_default_categories()
        post = await make_post(bea.actor, "<p>#offre</p>", tags=("offre",))
        own = await make_post(ana.actor, "<p>Bonjour</p>")
        await follow(ana.actor, bea.actor)
        note = await Notification.create(
            recipient=ana.actor, kind=NotificationKind.MENTION, from_actor=bea.actor, post=post
        )
    known_ids = [str(x) for x in (ana.actor.id, bea.actor.id, post.id, own.id, note.id, poll_id, 1)]
    mastodon_ops = operations(api.schema.document, implemented_mastodon_operations(api.schema))
    fedaid_document = (await api.get(f"{PREFIX}/openapi.json")).body
    fedaid_ops = operations(fedaid_document)
    report = FuzzReport()

    # When every operation gets its generated requests (in a thread: the instance serves on this loop)
    def run() -> None:
        with requests.Session() as session:
            for docs, ops, check in (
                (Document(api.schema.document), mastodon_ops, api.schema.check),
                (Document(fedaid_document), fedaid_ops, fedaid_checker(fedaid_document)),
            ):
                for op in ops:
                    fuzz_operation(
                        api.base_url,
                        session,
                        docs,
                        op,
                        known_ids=known_ids,
                        token=api.tokens["ana"],
                        examples=EXAMPLES,
                        check=check,
                        report=report,
                    )

    await asyncio.to_thread(run)

    # Then nothing answered 5xx or out of its schema
    print(f"fuzz: {report.operations} operations, {report.requests} requests, {len(report.failures)} failures")
    assert len(mastodon_ops) > 80 and len(fedaid_ops) >= 15
    assert not report.failures, "\n".join(report.failures)
    # And the cases found before this test existed stay answered
    huge = "9" * 40
    assert (await api.get("/api/v1/notifications", as_="ana", params={"max_id": huge})).status == 200
    assert (await api.get(f"/api/v1/statuses/{huge}", as_="ana")).status == 404
    assert (await api.get(f"/api/v1/accounts/{post.id}", as_="ana")).status == 404  # a post id: no such actor
    clamped = await api.get("/api/v1/timelines/public", params={"limit": "-500"})
    assert clamped.status == 200 and len(clamped.body) >= 1
    wrong_state = await api.get(f"{PREFIX}/agreements", as_="ana", params={"state": "done"})
    assert wrong_state.status == 400 and "offered, accepted" in wrong_state.body["error"]
