"""Hours between two other collectives, as each of them reports them in its ledger collection.

We cannot check exchanges we took no part in, so we do not add them up: we keep the lines each allied
collective reports (replaced at each reading) and show, for each pair of other collectives, what each side
says, side by side. Reading the collections over the network is `federation.ledger_reports`. No HTTP here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from tortoise.transactions import in_transaction

from fedaid.activitypub.parse.ledger import LedgerEntryDoc
from fedaid.domain.visibility import allied_groups
from fedaid.models import Actor, ReportedLedgerEntry


@dataclass(frozen=True)
class Report:
    """What `reporter` says it gave to and received from the other collective of the pair."""

    reporter: Actor
    given: Decimal
    received: Decimal
    reported_at: datetime


@dataclass
class ReportedPair:
    """Two other collectives (by domain), and what each of them reports of the other (None: it said nothing)."""

    first_domain: str
    second_domain: str
    first_says: Report | None = None
    second_says: Report | None = None

    @property
    def do_reports_agree(self) -> bool:
        """Both sides reported, and one's given is the other's received, both ways."""
        first, second = self.first_says, self.second_says
        return (
            first is not None
            and second is not None
            and (first.given, first.received) == (second.received, second.given)
        )


async def allies_to_read() -> list[Actor]:
    """The collectives allied with ours, whose ledgers we read."""
    return await Actor.filter(allied_groups()).order_by("id")


async def store_report(reporter: Actor, entries: list[LedgerEntryDoc], *, now: datetime) -> None:
    """Replace what `reporter` said before by what it says now."""
    async with in_transaction():
        await ReportedLedgerEntry.filter(reporter_id=reporter.id).delete()
        await ReportedLedgerEntry.bulk_create(
            [
                ReportedLedgerEntry(
                    reporter_id=reporter.id,
                    counterpart_domain=entry.counterpart_domain,
                    counterpart_ap_id=entry.counterpart_ap_id,
                    given=entry.given,
                    received=entry.received,
                    reported_at=now,
                )
                for entry in {entry.counterpart_domain: entry for entry in entries}.values()
            ]
        )


async def reports_between_others(ours: Actor) -> list[ReportedPair]:
    """Each pair of collectives other than ours that one of them reported, with both sides' words."""
    rows = (
        await ReportedLedgerEntry.filter(reporter__deleted_at__isnull=True)
        .exclude(counterpart_domain=ours.domain)
        .exclude(reporter__domain=ours.domain)
        .select_related("reporter")
        .order_by("id")
    )
    pairs: dict[tuple[str, str], ReportedPair] = {}
    for row in rows:
        reporter_domain = row.reporter.domain
        first, second = sorted((reporter_domain, row.counterpart_domain))
        pair = pairs.setdefault((first, second), ReportedPair(first, second))
        report = Report(row.reporter, row.given, row.received, row.reported_at)
        if reporter_domain == first:
            pair.first_says = report
        else:
            pair.second_says = report
    return [pairs[key] for key in sorted(pairs)]
