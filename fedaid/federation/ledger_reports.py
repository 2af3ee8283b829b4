"""Reading the ledger collections of the collectives allied with ours, so our ledger page can show the hours
between two other collectives as each of them reports them (`domain.reported_ledgers`).

Once per `interval`, for each ally: its actor (signed GET), the `ledger` collection it links to, then its
lines replace the ones it reported before. An ally that cannot be read keeps its last report.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from fedaid.activitypub.parse.ledger import ledger_link, parse_ledger
from fedaid.clock import utcnow
from fedaid.domain import reported_ledgers
from fedaid.domain.periodic import Periodic
from fedaid.errors import FetchError, Gone, InvalidActivity, NotFound
from fedaid.federation.fetch import Fetcher
from fedaid.models import Actor

log = logging.getLogger("fedaid.ledger_reports")

INTERVAL = timedelta(hours=1)


class LedgerReports(Periodic):
    """The worker's job: read every ally's ledger at most once per `interval` (see `Periodic`)."""

    def __init__(
        self, fetcher: Fetcher, interval: timedelta = INTERVAL, *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        super().__init__(self._read_all, interval, clock=clock)
        self._fetcher = fetcher

    async def _read_all(self, now: datetime, _batch: int) -> int:
        """How many allies' ledgers were read."""
        read = 0
        for ally in await reported_ledgers.allies_to_read():
            if await self._read(ally, now):
                read += 1
        return read

    async def _read(self, ally: Actor, now: datetime) -> bool:
        try:
            url = ledger_link(await self._fetcher.get_json(ally.ap_id))
            if url is None:
                return False
            entries = parse_ledger(await self._fetcher.get_json(url), collective_ap_id=ally.ap_id)
        except (FetchError, NotFound, Gone, InvalidActivity) as err:
            log.info("ledger not read", extra={"collective": ally.ap_id, "reason": str(err)[:300]})
            return False
        await reported_ledgers.store_report(ally, entries, now=now)
        return True
