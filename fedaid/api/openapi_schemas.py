"""The schemas of fedaid's own API document: proposals, agreements, exchanges, the ledger, alerts, errors."""

from __future__ import annotations

from typing import Any

from fedaid.api.openapi_parts import DATETIME, DECIMAL, nullable, ref
from fedaid.models import ConfirmationWay

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
            "latitude": nullable({"type": "number"}),
            "longitude": nullable({"type": "number"}),
            "radius_km": nullable({"type": "number"}),
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
            "category": nullable({"type": "string"}),
            "tags": {"type": "array", "items": {"type": "string"}},
            "hours": DECIMAL,
            "available_hours": DECIMAL,
            "place": nullable(ref("Place")),
            "remote_ok": {"type": "boolean"},
            "starts_at": nullable(DATETIME),
            "ends_at": nullable(DATETIME),
            "expires_at": nullable(DATETIME),
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
            "account": ref("AccountRef"),
            "replies_count": {"type": "integer"},
            "fedaid": ref("ProposalFields"),
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
            "uri": nullable({"type": "string"}),
            "proposal_id": {"type": "string"},
            "provider": ref("AccountRef"),
            "receiver": ref("AccountRef"),
            "hours": DECIMAL,
            "state": {"type": "string", "enum": ["offered", "accepted", "rejected", "fulfilled", "cancelled"]},
            "created_at": DATETIME,
            "exchange": nullable(ref("Exchange")),
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
            "provider_confirmed_at": nullable(DATETIME),
            "receiver_confirmed_at": nullable(DATETIME),
            "provider_confirmed_via": nullable(CONFIRMATION_WAY),
            "receiver_confirmed_via": nullable(CONFIRMATION_WAY),
            "disputed_at": nullable(DATETIME),
            "is_confirmed": {"type": "boolean", "description": "Confirmed by both sides and not disputed."},
        },
    },
    "Ledger": {
        "description": "Hours given and received, two tallies and never one balance, from confirmed exchanges.",
        "type": "object",
        "required": ["account", "given_hours", "received_hours"],
        "properties": {
            "account": ref("AccountRef"),
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
            "purpose": nullable({"type": "string", "enum": ["offer", "request"]}),
            "category": nullable({"type": "string"}),
            "tag": nullable({"type": "string"}),
            "place": nullable(ref("Place")),
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
