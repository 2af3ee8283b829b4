"""What a member may take away: their offers and requests, agreements and ledger, as JSON or CSV tables.

Plain values only (strings, numbers as text, ISO dates), so the same rows serve both formats.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from tortoise.expressions import Q

from fedaid.domain.ledger import ledger_of
from fedaid.models import Actor, Agreement, Exchange, Proposal

TABLES = ("proposals", "agreements", "ledger")


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def _hours(value: Decimal | int | float) -> str:
    return format(Decimal(str(value)).normalize(), "f")


def _who(actor: Actor) -> str:
    return "deleted member" if actor.deleted_at else f"@{actor.acct}"


async def member_data(actor: Actor) -> dict[str, Any]:
    """Every table of the member's data, plus who they are; each table a list of rows with the same keys."""
    return {
        "member": {"username": actor.username, "address": f"@{actor.acct}", "ap_id": actor.ap_id},
        "proposals": await _proposals(actor),
        "agreements": await _agreements(actor),
        "ledger": await _ledger(actor),
    }


async def _proposals(actor: Actor) -> list[dict[str, str]]:
    rows = await Proposal.filter(post__author_id=actor.id).order_by("id").select_related("post")
    return [
        {
            "id": str(proposal.id),
            "purpose": str(proposal.purpose),
            "title": proposal.title,
            "category": proposal.category,
            "hours": _hours(proposal.hours),
            "status": str(proposal.status),
            "place": proposal.place_name,
            "created_at": _iso(proposal.created_at),
            "expires_at": _iso(proposal.expires_at),
            "url": proposal.post.ap_id,
        }
        for proposal in rows
    ]


async def _agreements(actor: Actor) -> list[dict[str, str]]:
    agreements = (
        await Agreement.filter(Q(provider_id=actor.id) | Q(receiver_id=actor.id))
        .order_by("id")
        .select_related("proposal", "provider", "receiver")
    )
    exchanges = {
        exchange.agreement_id: exchange
        for exchange in await Exchange.filter(agreement_id__in=[agreement.id for agreement in agreements])
    }
    rows = []
    for agreement in agreements:
        gives = agreement.provider_id == actor.id
        exchange = exchanges.get(agreement.id)
        rows.append(
            {
                "id": str(agreement.id),
                "proposal": agreement.proposal.title,
                "role": "provider" if gives else "receiver",
                "other_party": _who(agreement.receiver if gives else agreement.provider),
                "hours": _hours(agreement.hours),
                "state": str(agreement.state),
                "confirmed": "yes" if exchange and exchange.is_confirmed else "no",
                "created_at": _iso(agreement.created_at),
            }
        )
    return rows


async def _ledger(actor: Actor) -> list[dict[str, str]]:
    """One row per collective of the other party, then the total."""
    ledger = await ledger_of(actor)
    rows = [
        {"collective": domain, "given": _hours(tally.given), "received": _hours(tally.received)}
        for domain, tally in sorted(ledger.by_collective.items())
    ]
    rows.append({"collective": "total", "given": _hours(ledger.given), "received": _hours(ledger.received)})
    return rows


COLUMNS = {
    "proposals": ["id", "purpose", "title", "category", "hours", "status", "place", "created_at", "expires_at", "url"],
    "agreements": ["id", "proposal", "role", "other_party", "hours", "state", "confirmed", "created_at"],
    "ledger": ["collective", "given", "received"],
}
