"""The ledger: hours each member gave and received, never netted into one balance.

Derived, not stored: it sums the exchanges both sides confirmed, and splits them by the collective
of the other party (their instance's domain). No HTTP here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from tortoise.expressions import Q

from fedaid.models import Actor, Exchange


@dataclass
class Tally:
    given: Decimal = Decimal("0.00")
    received: Decimal = Decimal("0.00")


@dataclass
class Ledger:
    """`given` and `received` in hours; `by_collective` maps the other party's domain to a Tally."""

    given: Decimal = Decimal("0.00")
    received: Decimal = Decimal("0.00")
    by_collective: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))


def confirmed_exchanges() -> Q:
    """Exchanges the ledger counts: confirmed by the provider and by the receiver."""
    return Q(provider_confirmed_at__isnull=False, receiver_confirmed_at__isnull=False)


async def ledger_of(actor: Actor) -> Ledger:
    """Hours `actor` gave and received, in total and per collective of the other party."""
    exchanges = await (
        Exchange.filter(confirmed_exchanges())
        .filter(Q(agreement__provider_id=actor.id) | Q(agreement__receiver_id=actor.id))
        .prefetch_related("agreement__provider", "agreement__receiver")
    )
    ledger = Ledger()
    for exchange in exchanges:
        agreement = exchange.agreement
        if agreement.provider_id == actor.id:
            ledger.given += exchange.hours
            ledger.by_collective[agreement.receiver.domain].given += exchange.hours
        if agreement.receiver_id == actor.id:
            ledger.received += exchange.hours
            ledger.by_collective[agreement.provider.domain].received += exchange.hours
    ledger.by_collective = dict(ledger.by_collective)
    return ledger


async def hours_given_by(actor_ids: list[int]) -> dict[int, Decimal]:
    """Confirmed hours given per member, for ranking (matching favours people who gave)."""
    totals: dict[int, Decimal] = {actor_id: Decimal("0.00") for actor_id in actor_ids}
    if not actor_ids:
        return totals
    rows = await Exchange.filter(confirmed_exchanges(), agreement__provider_id__in=actor_ids).values_list(
        "agreement__provider_id", "hours"
    )
    for provider_id, hours in rows:
        totals[provider_id] += Decimal(str(hours))
    return totals
