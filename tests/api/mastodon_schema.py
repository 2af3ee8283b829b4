"""Validate client API answers against the Mastodon OpenAPI document in tests/fixtures/vectors (JSON Schema 2020-12).

`MastodonSchema.check(method, path, status, body)` finds the operation by path template and validates the
body against that operation's schema for the status (errors against `Error`). It records what it checked,
so a test can assert that every implemented operation was seen.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from testsupport import VECTORS

SCHEMA_PATH = VECTORS / "mastodon-openapi" / "schema.json"
BASE_URI = "urn:mastodon-openapi"
# Where the generated document disagrees with what Mastodon sends: GET /api/v1/filters answers an
# array of V1Filter (app/controllers/api/v1/filters_controller.rb renders a collection), not one.
ARRAY_OF_DOCUMENTED = {("get", "/api/v1/filters")}


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


@cache
def load_document() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@dataclass
class MastodonSchema:
    document: dict[str, Any] = field(default_factory=load_document)
    checked: set[tuple[str, str, int]] = field(default_factory=set)
    undescribed: set[tuple[str, str, int]] = field(default_factory=set)  # the schema gives no body to check
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        resource = Resource.from_contents(self.document, default_specification=DRAFT202012)
        self.registry = Registry().with_resource(BASE_URI, resource)
        patterns = []
        for template in self.document["paths"]:
            regex = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
            patterns.append((template.count("{"), template, re.compile(regex)))
        self._patterns = sorted(patterns, key=lambda item: (item[0], -len(item[1])))

    def template_for(self, path: str) -> str | None:
        path = urlsplit(path).path.rstrip("/") or "/"
        for _, template, regex in self._patterns:
            if regex.match(path):
                return template
        return None

    def validator_for(self, template: str, method: str, status: int) -> Draft202012Validator | None:
        operation = self.document["paths"][template].get(method.lower())
        if operation is None:
            return None
        responses = operation.get("responses", {})
        pointer = None
        response = responses.get(str(status))
        if response and "application/json" in response.get("content", {}):
            pointer = "/".join(
                [
                    "#",
                    "paths",
                    _escape(template),
                    method.lower(),
                    "responses",
                    str(status),
                    "content",
                    _escape("application/json"),
                    "schema",
                ]
            )
        elif status >= 400:
            pointer = "#/components/schemas/Error"
        if pointer is None:
            return None
        schema: dict[str, Any] = {"$ref": BASE_URI + pointer}
        if (method.lower(), template) in ARRAY_OF_DOCUMENTED and status == 200:
            schema = {"type": "array", "items": schema}
        return Draft202012Validator(schema, registry=self.registry)

    def check(self, method: str, path: str, status: int, body: Any) -> list[str]:
        """Validate one answer; returns (and records) the problems found."""
        template = self.template_for(path)
        if template is None:
            return []
        validator = self.validator_for(template, method, status)
        if validator is None:
            self.undescribed.add((method.upper(), template, status))
            return []
        self.checked.add((method.upper(), template, status))
        found = [
            f"{method} {path} → {status}: {'/'.join(map(str, error.absolute_path))}: {error.message}"
            for error in validator.iter_errors(body)
        ][:5]
        self.problems.extend(found)
        return found

    def assert_valid(self, method: str, path: str, status: int, body: Any) -> None:
        problems = self.check(method, path, status, body)
        assert not problems, "\n".join(problems)
