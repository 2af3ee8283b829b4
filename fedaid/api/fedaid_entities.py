"""The entities of fedaid's own API (`api/fedaid_v1.py`) as plain dicts: parties, agreements, exchanges,
ledgers and alerts, from rows already loaded; `api/openapi_schemas.py` describes them."""

from __future__ import annotations

from typing import Any

from fedaid.api.entities import hours_number, iso
from fedaid.domain.ledger import Ledger
from fedaid.models import Actor, Agreement, AlertSubscription, Exchange


def account_ref(actor: Actor, local_domain: str) -> dict[str, str]:
    """The short account a fedaid entity names its parties with."""
    acct = actor.username if actor.domain == local_domain else f"{actor.username}@{actor.domain}"
    return {
        "id": str(actor.id),
        "acct": acct,
        "display_name": actor.name or actor.username,
        "url": actor.url or actor.ap_id,
    }


def render_exchange(exchange: Exchange) -> dict[str, Any]:
    """An exchange: the hours given and each side's confirmation."""
    return {
        "id": str(exchange.id),
        "agreement_id": str(exchange.agreement_id),
        "hours": hours_number(exchange.hours),
        "provider_confirmed_at": iso(exchange.provider_confirmed_at) if exchange.provider_confirmed_at else None,
        "receiver_confirmed_at": iso(exchange.receiver_confirmed_at) if exchange.receiver_confirmed_at else None,
        "provider_confirmed_via": exchange.provider_confirmed_via,
        "receiver_confirmed_via": exchange.receiver_confirmed_via,
        "disputed_at": iso(exchange.disputed_at) if exchange.disputed_at else None,
        "is_confirmed": exchange.is_confirmed,
    }


def render_agreement(row: Agreement, exchange: Exchange | None, local_domain: str) -> dict[str, Any]:
    """An agreement with `proposal`, `provider` and `receiver` loaded, and its exchange if it has one."""
    return {
        "id": str(row.id),
        "uri": row.ap_id,
        "proposal_id": str(row.proposal.post_id),
        "provider": account_ref(row.provider, local_domain),
        "receiver": account_ref(row.receiver, local_domain),
        "hours": hours_number(row.hours),
        "state": str(row.state),
        "created_at": iso(row.created_at),
        "exchange": render_exchange(exchange) if exchange is not None else None,
    }


def render_ledger(actor: Actor, tally: Ledger, local_domain: str) -> dict[str, Any]:
    """A member's hours given and received, in all and by collective."""
    return {
        "account": account_ref(actor, local_domain),
        "given_hours": hours_number(tally.given),
        "received_hours": hours_number(tally.received),
        "by_collective": [
            {"domain": domain, "given_hours": hours_number(part.given), "received_hours": hours_number(part.received)}
            for domain, part in sorted(tally.by_collective.items())
        ],
    }


def render_alert(alert: AlertSubscription) -> dict[str, Any]:
    """An alert subscription with its criteria."""
    has_place = bool(alert.place_name) or alert.latitude is not None
    return {
        "id": str(alert.id),
        "purpose": str(alert.purpose) if alert.purpose else None,
        "category": alert.category or None,
        "tag": alert.tag or None,
        "place": {
            "name": alert.place_name,
            "latitude": alert.latitude,
            "longitude": alert.longitude,
            "radius_km": alert.radius_km,
        }
        if has_place
        else None,
        "created_at": iso(alert.created_at),
    }
