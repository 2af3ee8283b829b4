"""Hours on a proposal, claimed and given back by one conditional UPDATE each (`storage/proposal_hours.py`).

Two people taking the last hours at the same moment produce exactly one claim; a proposal is `agreed` while no
hours are left and opens again when some come back.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fedaid.models import Proposal, ProposalStatus
from fedaid.storage.proposal_hours import give_back_available_hours, take_available_hours

HUNDREDTH = Decimal("0.01")


async def claim_hours(proposal: Proposal, hours: Decimal) -> bool:
    """Take `hours` from what is available on an open proposal; False, changing nothing, when they are not
    there (another claim took them first). The proposal becomes `agreed` when nothing is left."""
    row = await take_available_hours(proposal.id, hours)
    if row is None:
        return False
    _refresh(proposal, row)
    return True


async def release_hours(proposal: Proposal, hours: Decimal) -> None:
    """Give hours back (a cancelled agreement); an `agreed` proposal opens again."""
    row = await give_back_available_hours(proposal.id, hours)
    if row is not None:
        _refresh(proposal, row)


def _refresh(proposal: Proposal, row: dict[str, Any]) -> None:
    proposal.available_hours = Decimal(str(row["available_hours"])).quantize(HUNDREDTH)
    proposal.status = ProposalStatus(row["status"])
