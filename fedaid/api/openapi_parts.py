"""The building blocks of fedaid's OpenAPI documents (`api/openapi.py`, `api/openapi_demands.py`): schema
references, JSON answers, the error answers, query and path parameters, Link paging and one operation."""

from __future__ import annotations

from typing import Any

PREFIX = "/api/fedaid/v1"


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def list_of(name: str) -> dict[str, Any]:
    return {"type": "array", "items": ref(name)}


def json_of(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "400": json_of(ref("Error"), "The input is not valid"),
    "401": json_of(ref("Error"), "No valid token"),
    "403": json_of(ref("Error"), "The token lacks the scope, or the member may not do this"),
    "404": json_of(ref("Error"), "Not found"),
    "409": json_of(ref("Error"), "The state changed meanwhile"),
    "422": json_of(ref("Error"), "The request cannot be applied as sent"),
}


def error_responses(*codes: str) -> dict[str, Any]:
    return {code: ERRORS[code] for code in codes}


def query_param(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


PAGING = [
    query_param("max_id", "Only items with a lower id"),
    query_param("since_id", "Only items with a higher id (newest first)"),
    query_param("min_id", "The items just after this id (oldest of them first in the page, then newest first)"),
    query_param("limit", "How many, 20 by default, 40 at most", {"type": "integer", "minimum": 1, "maximum": 40}),
]
DECIMAL = {"type": "number"}
DATETIME = {"type": "string", "format": "date-time"}


def operation(
    summary: str,
    response: dict[str, Any],
    *,
    scope: str | None,
    parameters: list | None = None,
    errors: tuple[str, ...] = ("401",),
    body: str | None = None,
    tag: str = "fedaid",
) -> dict[str, Any]:
    """One OpenAPI operation: its 200 answer, the error answers `errors`, the OAuth scope it needs, its body."""
    described: dict[str, Any] = {
        "summary": summary,
        "tags": [tag],
        "responses": {"200": response, **error_responses(*errors)},
    }
    if parameters:
        described["parameters"] = parameters
    if scope:
        described["security"] = [{"OAuth2": [scope]}]
    if body:
        described["requestBody"] = {
            "required": False,
            "content": {
                mime: {"schema": ref(body)}
                for mime in ("application/json", "application/x-www-form-urlencoded", "multipart/form-data")
            },
        }
    return described
