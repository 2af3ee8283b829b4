"""The OpenAPI description of the demand and collective-ledger routes (`api/fedaid_demands.py`), added to the
rest of fedaid's API document (`api/openapi.py`); `document` is what /api/fedaid/v1/openapi.json serves."""

from __future__ import annotations

from typing import Any

from fedaid.api import openapi
from fedaid.api.openapi_parts import (
    DATETIME,
    DECIMAL,
    PREFIX,
    json_of,
    list_of,
    nullable,
    operation,
    path_param,
    query_param,
    ref,
)

DEMAND_STATUSES = ["draft", "open", "delivered", "answered", "won", "lost", "withdrawn"]

SCHEMAS: dict[str, Any] = {
    "DemandAttachment": {
        "description": "A picture or document, as the Mastodon API's MediaAttachment (the fields read most).",
        "type": "object",
        "required": ["id", "type", "url", "preview_url", "remote_url", "meta", "description", "blurhash"],
        "properties": {
            "id": {"type": "string"},
            "type": {"type": "string", "enum": ["image", "gifv", "video", "audio", "unknown"]},
            "url": nullable({"type": "string"}),
            "preview_url": nullable({"type": "string"}),
            "remote_url": nullable({"type": "string"}),
            "meta": {"type": "object"},
            "description": nullable({"type": "string", "description": "Its alt text"}),
            "blurhash": nullable({"type": "string"}),
        },
    },
    "Demand": {
        "description": "A collective demand (revendication): its claims, target, deadline, support and history.",
        "type": "object",
        "required": [
            "id", "uri", "collective", "is_local", "title", "text", "target", "claims", "deadline", "status",
            "published_at", "poll_id", "media_attachments", "supporters_count", "named_supporters", "cosigners",
            "history", "has_ended", "is_supportable", "supported", "supported_by_name",
        ],
        "properties": {
            "id": {"type": "string"},
            "uri": nullable({"type": "string"}),
            "collective": ref("AccountRef"),
            "is_local": {"type": "boolean"},
            "title": {"type": "string"},
            "text": {"type": "string"},
            "target": {"type": "string", "description": "Who the demand is addressed to"},
            "claims": {"type": "array", "items": {"type": "string"}},
            "deadline": nullable(DATETIME),
            "status": {"type": "string", "enum": DEMAND_STATUSES},
            "published_at": nullable(DATETIME),
            "poll_id": nullable({"type": "string", "description": "Its poll in the Mastodon API"}),
            "media_attachments": {
                "type": "array",
                "description": "Its pictures and documents, as the Mastodon API's MediaAttachment",
                "items": ref("DemandAttachment"),
            },
            "supporters_count": {"type": "integer", "minimum": 0},
            "named_supporters": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["account", "supported_at"],
                    "properties": {"account": ref("AccountRef"), "supported_at": DATETIME},
                },
            },
            "cosigners": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "uri", "url", "signed_at"],
                    "properties": {
                        "name": {"type": "string"},
                        "uri": {"type": "string"},
                        "url": nullable({"type": "string"}),
                        "signed_at": DATETIME,
                    },
                },
            },
            "history": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["status", "changed_at"],
                    "properties": {"status": {"type": "string", "enum": DEMAND_STATUSES}, "changed_at": DATETIME},
                },
            },
            "has_ended": {"type": "boolean"},
            "is_supportable": {"type": "boolean"},
            "supported": {"type": "boolean", "description": "The caller supports it"},
            "supported_by_name": {"type": "boolean", "description": "The caller is listed by name"},
        },
    },
    "SupportInput": {
        "type": "object",
        "properties": {"named": {"type": "boolean", "description": "List the caller by name (default: counted only)"}},
    },
    "CollectiveLedger": {
        "description": "Hours this instance's collective gave to and received from each other collective, "
        "from the confirmed exchanges this instance took part in.",
        "type": "object",
        "required": ["collective", "pairs", "reported_between_others"],
        "properties": {
            "reported_between_others": {
                "description": "Two other collectives and what each reports of the other (read from their "
                "ledger collections; never added to this collective's figures).",
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["first_domain", "second_domain", "first_says", "second_says", "reports_agree"],
                    "properties": {
                        "first_domain": {"type": "string"},
                        "second_domain": {"type": "string"},
                        "first_says": nullable(ref("ReportedHours")),
                        "second_says": nullable(ref("ReportedHours")),
                        "reports_agree": {"type": "boolean"},
                    },
                },
            },
            "collective": ref("AccountRef"),
            "pairs": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["domain", "collective", "given_hours", "received_hours"],
                    "properties": {
                        "domain": {"type": "string"},
                        "collective": nullable(ref("AccountRef")),
                        "given_hours": DECIMAL,
                        "received_hours": DECIMAL,
                    },
                },
            },
        },
    },
    "ReportedHours": {
        "type": "object",
        "required": ["given_hours", "received_hours", "reported_at"],
        "properties": {
            "given_hours": DECIMAL,
            "received_hours": DECIMAL,
            "reported_at": {"type": "string", "format": "date-time"},
        },
    },
}  # fmt: skip


def paths() -> dict[str, Any]:
    P = PREFIX
    return {
        f"{P}/demands": {
            "get": operation(
                "Collective demands here and from elsewhere, open ones first (drafts: members here only)",
                json_of(list_of("Demand")),
                scope=None,
                parameters=[query_param("status", "Only demands in this status", {"enum": DEMAND_STATUSES})],
                errors=("400",),
            )
        },
        f"{P}/demands/{{id}}": {
            "get": operation(
                "One demand", json_of(ref("Demand")), scope=None, parameters=[path_param("id")], errors=("404",)
            )
        },
        f"{P}/demands/{{id}}/support": {
            "post": operation(
                "Support a demand (once; listed by name only if `named`)",
                json_of(ref("Demand")),
                scope="write:statuses",
                parameters=[path_param("id")],
                body="SupportInput",
                errors=("401", "403", "404", "409", "422"),
            )
        },
        f"{P}/demands/{{id}}/withdraw_support": {
            "post": operation(
                "Take one's support back, until the deadline",
                json_of(ref("Demand")),
                scope="write:statuses",
                parameters=[path_param("id")],
                errors=("401", "403", "404", "409"),
            )
        },
        f"{P}/collective/ledger": {
            "get": operation(
                "The ledger between this instance's collective and the others", json_of(ref("CollectiveLedger")),
                scope=None, errors=(),
            )
        },
    }  # fmt: skip


def document(base_url: str) -> dict[str, Any]:
    """fedaid's whole API document: `openapi.document` with the demands and the collective ledger."""
    doc = openapi.document(base_url)
    doc["paths"].update(paths())
    doc["components"]["schemas"] = {**doc["components"]["schemas"], **SCHEMAS}
    doc["info"]["description"] += " Collective demands and the ledger between collectives."
    return doc
