"""The OpenAPI 3.1 document of fedaid's own REST API (/api/fedaid/v1/), served at /api/fedaid/v1/openapi.json.

Kept beside the handlers in fedaid_v1.py; the tests validate the document and every answer against it.
"""

from __future__ import annotations

from typing import Any

import fedaid
from fedaid.models import ConfirmationWay

PREFIX = "/api/fedaid/v1"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _list_of(name: str) -> dict[str, Any]:
    return {"type": "array", "items": _ref(name)}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "400": _json(_ref("Error"), "The input is not valid"),
    "401": _json(_ref("Error"), "No valid token"),
    "403": _json(_ref("Error"), "The token lacks the scope, or the member may not do this"),
    "404": _json(_ref("Error"), "Not found"),
    "409": _json(_ref("Error"), "The state changed meanwhile"),
    "422": _json(_ref("Error"), "The request cannot be applied as sent"),
}


def _errors(*codes: str) -> dict[str, Any]:
    return {code: ERRORS[code] for code in codes}


def _query(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


PAGING = [
    _query("max_id", "Only items with a lower id"),
    _query("since_id", "Only items with a higher id (newest first)"),
    _query("min_id", "The items just after this id (oldest of them first in the page, then newest first)"),
    _query("limit", "How many, 20 by default, 40 at most", {"type": "integer", "minimum": 1, "maximum": 40}),
]
DECIMAL = {"type": "number"}
DATETIME = {"type": "string", "format": "date-time"}
CONFIRMATION_WAY = {
    "type": "string",
    "enum": [way.value for way in ConfirmationWay],
    "description": "How that side confirmed: on this server, by a FEP-0837 activity, by a Like of the member's "
    "confirmation note, or by a reply to it carrying a confirmation word.",
}

SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
    "AccountRef": {
        "type": "object",
        "required": ["id", "acct", "display_name", "url"],
        "properties": {
            "id": {"type": "string"},
            "acct": {"type": "string"},
            "display_name": {"type": "string"},
            "url": {"type": "string"},
        },
    },
    "Place": {
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string"},
            "latitude": _nullable({"type": "number"}),
            "longitude": _nullable({"type": "number"}),
            "radius_km": _nullable({"type": "number"}),
        },
    },
    "ProposalFields": {
        "type": "object",
        "required": [
            "purpose",
            "status",
            "title",
            "category",
            "tags",
            "hours",
            "available_hours",
            "place",
            "remote_ok",
            "starts_at",
            "ends_at",
            "expires_at",
        ],
        "properties": {
            "purpose": {"type": "string", "enum": ["offer", "request"]},
            "status": {"type": "string", "enum": ["open", "agreed", "fulfilled", "closed", "expired"]},
            "title": {"type": "string"},
            "category": _nullable({"type": "string"}),
            "tags": {"type": "array", "items": {"type": "string"}},
            "hours": DECIMAL,
            "available_hours": DECIMAL,
            "place": _nullable(_ref("Place")),
            "remote_ok": {"type": "boolean"},
            "starts_at": _nullable(DATETIME),
            "ends_at": _nullable(DATETIME),
            "expires_at": _nullable(DATETIME),
        },
    },
    "Proposal": {
        "description": "An offer or a request; `id` is its Mastodon status id.",
        "type": "object",
        "required": ["id", "uri", "url", "created_at", "content", "account", "fedaid"],
        "properties": {
            "id": {"type": "string"},
            "uri": {"type": "string"},
            "url": {"type": "string"},
            "created_at": DATETIME,
            "content": {"type": "string"},
            "account": _ref("AccountRef"),
            "replies_count": {"type": "integer"},
            "fedaid": _ref("ProposalFields"),
        },
    },
    "Category": {
        "type": "object",
        "required": ["slug", "name", "family"],
        "properties": {
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "family": {"type": "string", "enum": ["coaching", "services", "collective"]},
        },
    },
    "Agreement": {
        "type": "object",
        "required": ["id", "proposal_id", "provider", "receiver", "hours", "state", "created_at", "exchange"],
        "properties": {
            "id": {"type": "string"},
            "uri": _nullable({"type": "string"}),
            "proposal_id": {"type": "string"},
            "provider": _ref("AccountRef"),
            "receiver": _ref("AccountRef"),
            "hours": DECIMAL,
            "state": {"type": "string", "enum": ["offered", "accepted", "rejected", "fulfilled", "cancelled"]},
            "created_at": DATETIME,
            "exchange": _nullable(_ref("Exchange")),
        },
    },
    "Exchange": {
        "type": "object",
        "required": [
            "id",
            "agreement_id",
            "hours",
            "provider_confirmed_at",
            "receiver_confirmed_at",
            "provider_confirmed_via",
            "receiver_confirmed_via",
            "disputed_at",
            "is_confirmed",
        ],
        "properties": {
            "id": {"type": "string"},
            "agreement_id": {"type": "string"},
            "hours": DECIMAL,
            "provider_confirmed_at": _nullable(DATETIME),
            "receiver_confirmed_at": _nullable(DATETIME),
            "provider_confirmed_via": _nullable(CONFIRMATION_WAY),
            "receiver_confirmed_via": _nullable(CONFIRMATION_WAY),
            "disputed_at": _nullable(DATETIME),
            "is_confirmed": {"type": "boolean", "description": "Confirmed by both sides and not disputed."},
        },
    },
    "Ledger": {
        "description": "Hours given and received, two tallies and never one balance, from confirmed exchanges.",
        "type": "object",
        "required": ["account", "given_hours", "received_hours"],
        "properties": {
            "account": _ref("AccountRef"),
            "given_hours": DECIMAL,
            "received_hours": DECIMAL,
            "by_collective": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["domain", "given_hours", "received_hours"],
                    "properties": {"domain": {"type": "string"}, "given_hours": DECIMAL, "received_hours": DECIMAL},
                },
            },
        },
    },
    "Alert": {
        "type": "object",
        "required": ["id", "purpose", "category", "tag", "place", "created_at"],
        "properties": {
            "id": {"type": "string"},
            "purpose": _nullable({"type": "string", "enum": ["offer", "request"]}),
            "category": _nullable({"type": "string"}),
            "tag": _nullable({"type": "string"}),
            "place": _nullable(_ref("Place")),
            "created_at": DATETIME,
        },
    },
    "AlertInput": {
        "type": "object",
        "properties": {
            "purpose": {"type": "string", "enum": ["offer", "request"]},
            "category": {"type": "string"},
            "tag": {"type": "string"},
            "place_name": {"type": "string"},
            "latitude": {"type": "number"},
            "longitude": {"type": "number"},
            "radius_km": {"type": "number"},
        },
    },
    "AgreementInput": {
        "type": "object",
        "properties": {
            "hours": {"type": "number"},
            "with_account_id": {
                "type": "string",
                "description": "For the author: the member who will help or be helped",
            },
            "response_id": {"type": "string", "description": "The status (a reply) the agreement comes from"},
        },
    },
}


def _operation(
    summary: str,
    response: dict[str, Any],
    *,
    scope: str | None,
    parameters: list | None = None,
    errors: tuple[str, ...] = ("401",),
    body: str | None = None,
    tag: str = "fedaid",
) -> dict[str, Any]:
    operation: dict[str, Any] = {"summary": summary, "tags": [tag], "responses": {"200": response, **_errors(*errors)}}
    if parameters:
        operation["parameters"] = parameters
    if scope:
        operation["security"] = [{"OAuth2": [scope]}]
    if body:
        operation["requestBody"] = {
            "required": False,
            "content": {
                mime: {"schema": _ref(body)}
                for mime in ("application/json", "application/x-www-form-urlencoded", "multipart/form-data")
            },
        }
    return operation


PROPOSAL_FILTERS = [
    _query("purpose", "offer or request", {"type": "string", "enum": ["offer", "request"]}),
    _query("status", "open (the default), agreed, fulfilled, closed, expired or any"),
    _query("category", "A category slug"),
    _query("tag", "A hashtag, without #"),
    _query("remote_ok", "Only proposals that can be done at a distance", {"type": "boolean"}),
    _query("local", "Only proposals from this instance", {"type": "boolean"}),
    _query("account_id", "Only this account's proposals"),
    _query("near", "latitude,longitude: only proposals with a place within radius_km"),
    _query("radius_km", "With near; 25 by default", {"type": "number"}),
    _query("q", "Words in the title"),
    *PAGING,
]


def document(base_url: str) -> dict[str, Any]:
    """The whole OpenAPI document, with this instance as its server."""
    P = PREFIX
    paths: dict[str, Any] = {
        f"{P}/openapi.json": {"get": _operation("This document", _json({"type": "object"}), scope=None, errors=())},
        f"{P}/categories": {
            "get": _operation("Categories of help", _json(_list_of("Category")), scope=None, errors=())
        },
        f"{P}/proposals": {
            "get": _operation(
                "Offers and requests, newest first, with Link paging",
                _json(_list_of("Proposal")),
                scope=None,
                parameters=PROPOSAL_FILTERS,
                errors=("400",),
            )
        },
        f"{P}/proposals/{{id}}": {
            "get": _operation(
                "One proposal", _json(_ref("Proposal")), scope=None, parameters=[_path("id")], errors=("404",)
            )
        },
        f"{P}/proposals/{{id}}/agreements": {
            "get": _operation(
                "Agreements on one proposal that the caller is part of (all, for its author)",
                _json(_list_of("Agreement")),
                scope="read:statuses",
                parameters=[_path("id")],
                errors=("401", "403", "404"),
            ),
            "post": _operation(
                "Offer an agreement on a proposal",
                _json(_ref("Agreement")),
                scope="write:statuses",
                parameters=[_path("id")],
                body="AgreementInput",
                errors=("400", "401", "403", "404", "409", "422"),
            ),
        },
        f"{P}/agreements": {
            "get": _operation(
                "The caller's agreements, newest first",
                _json(_list_of("Agreement")),
                scope="read:statuses",
                parameters=[_query("state", "Only agreements in this state"), *PAGING],
            )
        },
        f"{P}/agreements/{{id}}": {
            "get": _operation(
                "One agreement",
                _json(_ref("Agreement")),
                scope="read:statuses",
                parameters=[_path("id")],
                errors=("401", "404"),
            )
        },
        **{
            f"{P}/agreements/{{id}}/{action}": {
                "post": _operation(
                    summary,
                    _json(_ref("Agreement")),
                    scope="write:statuses",
                    parameters=[_path("id")],
                    errors=("401", "403", "404", "409", "422"),
                )
            }
            for action, summary in (
                ("accept", "Accept an agreement offered to the caller"),
                ("reject", "Reject an agreement offered to the caller"),
                ("cancel", "Cancel an agreement the caller is part of"),
                ("confirm", "Confirm the help was given (each side confirms once)"),
            )
        },
        f"{P}/exchanges": {
            "get": _operation(
                "The caller's exchanges, newest first",
                _json(_list_of("Exchange")),
                scope="read:statuses",
                parameters=PAGING,
            )
        },
        f"{P}/ledger": {
            "get": _operation("The caller's hours given and received", _json(_ref("Ledger")), scope="read:accounts")
        },
        f"{P}/accounts/{{id}}/ledger": {
            "get": _operation(
                "An account's hours given and received",
                _json(_ref("Ledger")),
                scope=None,
                parameters=[_path("id")],
                errors=("404",),
            )
        },
        f"{P}/alerts": {
            "get": _operation("The caller's alert subscriptions", _json(_list_of("Alert")), scope="read:accounts"),
            "post": _operation(
                "Subscribe to new proposals matching every criterion given",
                _json(_ref("Alert")),
                scope="write:accounts",
                body="AlertInput",
                errors=("400", "401", "403"),
            ),
        },
        f"{P}/alerts/{{id}}": {
            "delete": _operation(
                "Unsubscribe",
                _json({"type": "object"}),
                scope="write:accounts",
                parameters=[_path("id")],
                errors=("401", "404"),
            )
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "fedaid mutual-aid API",
            "version": fedaid.__version__,
            "description": "What Mastodon's API has no words for: proposals with filters, agreements, "
            "exchanges, the ledger and alerts. Authenticate with the same OAuth tokens.",
        },
        "servers": [{"url": base_url}],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "OAuth2": {
                    "type": "oauth2",
                    "flows": {
                        "authorizationCode": {
                            "authorizationUrl": f"{base_url}/oauth/authorize",
                            "tokenUrl": f"{base_url}/oauth/token",
                            "scopes": {
                                "read": "Read",
                                "write": "Write",
                                "read:statuses": "Read statuses and proposals",
                                "write:statuses": "Post and agree",
                                "read:accounts": "Read the ledger and alerts",
                                "write:accounts": "Change alerts",
                            },
                        }
                    },
                }
            },
        },
    }
