"""The ledger: hours each member gave and received, never netted into one balance.

Derived, not stored: it sums the confirmed transfers of hours (exchanges, group sessions, mentoring
meetings; see `hour_transfers`), and splits them by the collective of the other party (their
instance's domain). No HTTP here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from fedaid.domain import hour_transfers
from fedaid.models import Actor


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


async def ledger_of(actor: Actor) -> Ledger:
    """Hours `actor` gave and received, in total and per collective of the other party."""
    ledger = Ledger()
    for transfer in await hour_transfers.transfers([actor.id]):
        if transfer.provider_id == actor.id:
            ledger.given += transfer.hours
            ledger.by_collective[transfer.receiver_domain].given += transfer.hours
        if transfer.receiver_id == actor.id:
            ledger.received += transfer.hours
            ledger.by_collective[transfer.provider_domain].received += transfer.hours
    ledger.by_collective = dict(ledger.by_collective)
    return ledger


async def hours_given_by(actor_ids: list[int]) -> dict[int, Decimal]:
    """Confirmed hours given per member, for ranking (matching favours people who gave)."""
    totals: dict[int, Decimal] = {actor_id: Decimal("0.00") for actor_id in actor_ids}
    if not actor_ids:
        return totals
    for transfer in await hour_transfers.transfers(actor_ids):
        if transfer.provider_id in totals:
            totals[transfer.provider_id] += transfer.hours
    return totals
