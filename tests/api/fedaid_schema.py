"""Checks answers of fedaid's own REST API against the OpenAPI document the instance serves."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012


class FedaidSchema:
    """Validates answers against the document the instance serves."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.registry = Registry().with_resource(
            "urn:fedaid", Resource.from_contents(document, default_specification=DRAFT202012)
        )

    def check(self, method: str, template: str, status: int, body: Any) -> None:
        operation = self.document["paths"][template][method.lower()]
        assert str(status) in operation["responses"], f"{method} {template} answered {status}, not documented"
        pointer = "/".join(
            [
                "#",
                "paths",
                template.replace("/", "~1"),
                method.lower(),
                "responses",
                str(status),
                "content",
                "application~1json",
                "schema",
            ]
        )
        validator = Draft202012Validator({"$ref": "urn:fedaid" + pointer}, registry=self.registry)
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)]
        assert not errors, errors
