"""The OpenAPI 3.1 document of fedaid's own REST API (/api/fedaid/v1/), served at /api/fedaid/v1/openapi.json.

Kept beside the handlers in fedaid_v1.py; the tests validate the document and every answer against it.
"""

from __future__ import annotations

from typing import Any

import fedaid
from fedaid.api.openapi_parts import PAGING, PREFIX, json_of, list_of, operation, path_param, query_param, ref
from fedaid.api.openapi_schemas import SCHEMAS

PROPOSAL_FILTERS = [
    query_param("purpose", "offer or request", {"type": "string", "enum": ["offer", "request"]}),
    query_param("status", "open (the default), agreed, fulfilled, closed, expired or any"),
    query_param("category", "A category slug"),
    query_param("tag", "A hashtag, without #"),
    query_param("remote_ok", "Only proposals that can be done at a distance", {"type": "boolean"}),
    query_param("local", "Only proposals from this instance", {"type": "boolean"}),
    query_param("account_id", "Only this account's proposals"),
    query_param("near", "latitude,longitude: only proposals with a place within radius_km"),
    query_param("radius_km", "With near; 25 by default", {"type": "number"}),
    query_param("q", "Words in the title"),
    *PAGING,
]


def document(base_url: str) -> dict[str, Any]:
    """The whole OpenAPI document, with this instance as its server."""
    paths = {**_proposal_paths(PREFIX), **_agreement_paths(PREFIX), **_ledger_and_alert_paths(PREFIX)}
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
            "securitySchemes": {"OAuth2": _oauth2(base_url)},
        },
    }


def _proposal_paths(P: str) -> dict[str, Any]:
    """This document, the categories and the proposals."""
    return {
        f"{P}/openapi.json": {"get": operation("This document", json_of({"type": "object"}), scope=None, errors=())},
        f"{P}/categories": {
            "get": operation("Categories of help", json_of(list_of("Category")), scope=None, errors=())
        },
        f"{P}/proposals": {
            "get": operation(
                "Offers and requests, newest first, with Link paging",
                json_of(list_of("Proposal")),
                scope=None,
                parameters=PROPOSAL_FILTERS,
                errors=("400",),
            )
        },
        f"{P}/proposals/{{id}}": {
            "get": operation(
                "One proposal", json_of(ref("Proposal")), scope=None, parameters=[path_param("id")], errors=("404",)
            )
        },
        f"{P}/proposals/{{id}}/agreements": {
            "get": operation(
                "Agreements on one proposal that the caller is part of (all, for its author)",
                json_of(list_of("Agreement")),
                scope="read:statuses",
                parameters=[path_param("id")],
                errors=("401", "403", "404"),
            ),
            "post": operation(
                "Offer an agreement on a proposal",
                json_of(ref("Agreement")),
                scope="write:statuses",
                parameters=[path_param("id")],
                body="AgreementInput",
                errors=("400", "401", "403", "404", "409", "422"),
            ),
        },
    }


def _agreement_paths(P: str) -> dict[str, Any]:
    """Agreements, the steps on them, and exchanges."""
    return {
        f"{P}/agreements": {
            "get": operation(
                "The caller's agreements, newest first",
                json_of(list_of("Agreement")),
                scope="read:statuses",
                parameters=[query_param("state", "Only agreements in this state"), *PAGING],
            )
        },
        f"{P}/agreements/{{id}}": {
            "get": operation(
                "One agreement",
                json_of(ref("Agreement")),
                scope="read:statuses",
                parameters=[path_param("id")],
                errors=("401", "404"),
            )
        },
        **{
            f"{P}/agreements/{{id}}/{action}": {
                "post": operation(
                    summary,
                    json_of(ref("Agreement")),
                    scope="write:statuses",
                    parameters=[path_param("id")],
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
            "get": operation(
                "The caller's exchanges, newest first",
                json_of(list_of("Exchange")),
                scope="read:statuses",
                parameters=PAGING,
            )
        },
    }


def _ledger_and_alert_paths(P: str) -> dict[str, Any]:
    """The ledgers and the alert subscriptions."""
    return {
        f"{P}/ledger": {
            "get": operation("The caller's hours given and received", json_of(ref("Ledger")), scope="read:accounts")
        },
        f"{P}/accounts/{{id}}/ledger": {
            "get": operation(
                "An account's hours given and received",
                json_of(ref("Ledger")),
                scope=None,
                parameters=[path_param("id")],
                errors=("404",),
            )
        },
        f"{P}/alerts": {
            "get": operation("The caller's alert subscriptions", json_of(list_of("Alert")), scope="read:accounts"),
            "post": operation(
                "Subscribe to new proposals matching every criterion given",
                json_of(ref("Alert")),
                scope="write:accounts",
                body="AlertInput",
                errors=("400", "401", "403"),
            ),
        },
        f"{P}/alerts/{{id}}": {
            "delete": operation(
                "Unsubscribe",
                json_of({"type": "object"}),
                scope="write:accounts",
                parameters=[path_param("id")],
                errors=("401", "404"),
            )
        },
    }


def _oauth2(base_url: str) -> dict[str, Any]:
    """The OAuth 2 scheme: the authorization-code flow of this instance, with the scopes the API names."""
    return {
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
