"""The ledger between collectives: hours given and received per pair (our collective, another one).

Derived from the confirmed transfers this instance took part in (see `hour_transfers`); one
collective per instance, so the other side's domain names its collective. Published as a page,
in the REST API and as a collection linked from the collective's actor, so allied instances can
compare their totals. No HTTP here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from fedaid.domain import hour_transfers
from fedaid.models import Actor, ActorType, GroupKind


@dataclass
class Pair:
    """What our collective gave to and received from `domain`'s collective (`collective` when known here)."""

    domain: str
    collective: Actor | None
    given: Decimal = Decimal("0.00")
    received: Decimal = Decimal("0.00")


async def collective_ledger(ours: Actor) -> list[Pair]:
    """The pairs our collective took part in, by the other collective's domain; transfers within one
    collective are left out."""
    given: dict[str, Decimal] = defaultdict(Decimal)
    received: dict[str, Decimal] = defaultdict(Decimal)
    for transfer in await hour_transfers.transfers():
        if transfer.provider_domain == transfer.receiver_domain:
            continue
        if transfer.provider_domain == ours.domain:
            given[transfer.receiver_domain] += transfer.hours
        elif transfer.receiver_domain == ours.domain:
            received[transfer.provider_domain] += transfer.hours
    domains = sorted(set(given) | set(received))
    collectives = await _collectives_of(domains)
    return [
        Pair(domain, collectives.get(domain), given[domain] or Decimal("0.00"), received[domain] or Decimal("0.00"))
        for domain in domains
    ]


async def _collectives_of(domains: list[str]) -> dict[str, Actor]:
    if not domains:
        return {}
    rows = await Actor.filter(
        domain__in=domains, type=ActorType.GROUP, group_kind=GroupKind.COLLECTIVE, deleted_at__isnull=True
    ).order_by("id")
    found: dict[str, Actor] = {}
    for row in rows:
        found.setdefault(row.domain, row)
    return found
