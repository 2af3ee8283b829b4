"""Reading demands for the pages, the APIs and the command line: listings (open first), one demand with its
pictures, supporters, co-signers and history, and the rows of the letter and CSV handed to the target.

Drafts are shown only to the members of the instance (who may publish them); published demands, local or
from elsewhere, to everyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fedaid.clock import utcnow
from fedaid.domain import media, polls
from fedaid.domain.demands import get_demand
from fedaid.domain.spreadsheets import as_csv
from fedaid.errors import NotFound
from fedaid.models import (
    Actor,
    Demand,
    DemandCosigner,
    DemandStatus,
    DemandStatusChange,
    MediaAttachment,
    Poll,
    PollVote,
)

LIST_LIMIT = 100


@dataclass(frozen=True)
class Supporter:
    actor: Actor
    supported_at: datetime


@dataclass(frozen=True)
class DemandView:
    """One demand as a page shows it."""

    demand: Demand
    collective: Actor
    poll: Poll | None
    media: list[MediaAttachment]
    supporters_count: int
    named_supporters: list[Supporter]
    cosigners: list[DemandCosigner]
    history: list[DemandStatusChange]
    has_ended: bool
    my_vote: PollVote | None

    @property
    def is_supportable(self) -> bool:
        return self.poll is not None and not self.has_ended and self.demand.status in polls.SUPPORTABLE


def may_see(demand: Demand, viewer: Actor | None) -> bool:
    """Published demands are public; a draft is for the members of its collective's instance."""
    if demand.status != DemandStatus.DRAFT:
        return True
    return viewer is not None and viewer.is_local and demand.is_local


async def list_demands(viewer: Actor | None, *, status: DemandStatus | None = None) -> list[Demand]:
    """Demands here and from elsewhere: open ones first, then the others, newest first in each group."""
    query = Demand.all().select_related("collective")
    if status is not None:
        query = query.filter(status=status)
    if viewer is None or not viewer.is_local:
        query = query.exclude(status=DemandStatus.DRAFT)
    rows = await query.order_by("-id").limit(LIST_LIMIT)
    return [row for row in rows if row.status == DemandStatus.OPEN] + [
        row for row in rows if row.status != DemandStatus.OPEN
    ]


async def visible_demand(demand_id: int | str, viewer: Actor | None) -> Demand:
    demand = await get_demand(demand_id)
    if not may_see(demand, viewer):
        raise NotFound("There is no such demand.")
    return demand


async def view_of(demand: Demand, viewer: Actor | None, *, now: datetime | None = None) -> DemandView:
    collective = demand.collective if isinstance(demand.collective, Actor) else await Actor.get(id=demand.collective_id)
    poll = await Poll.get_or_none(post_id=demand.post_id) if demand.post_id else None
    my_vote = None
    if poll is not None and viewer is not None:
        my_vote = await PollVote.get_or_none(poll_id=poll.id, voter_id=viewer.id, choice=0)
    return DemandView(
        demand=demand,
        collective=collective,
        poll=poll,
        media=await media_of_demand(demand),
        supporters_count=poll.voters_count if poll else 0,
        named_supporters=await named_supporters(demand) if demand.is_local else [],
        cosigners=list(await DemandCosigner.filter(demand_id=demand.id).order_by("signed_at", "id")),
        history=list(await DemandStatusChange.filter(demand_id=demand.id).order_by("changed_at", "id")),
        has_ended=poll is not None and polls.has_ended(poll, now or utcnow()),
        my_vote=my_vote,
    )


async def media_of_demand(demand: Demand) -> list[MediaAttachment]:
    """A demand's pictures and documents: its Question post's once published (ours, or one received from its
    collective), the draft's own before."""
    if demand.post_id is None:
        return await media.media_of(demand)
    return (await media.media_of_posts([demand.post_id])).get(demand.post_id, [])


async def named_supporters(demand: Demand) -> list[Supporter]:
    """The supporters who agreed to be listed by name, in the order they supported."""
    if demand.post_id is None:
        return []
    votes = await PollVote.filter(poll__post_id=demand.post_id, is_named=True).order_by("id").select_related("voter")
    return [Supporter(vote.voter, vote.created_at) for vote in votes]


EXPORT_COLUMNS = ["kind", "name", "address", "date"]


async def export_csv(demand: Demand) -> str:
    """The named supporters and the co-signing collectives as CSV, for the target; remote names are anyone's
    words, so no cell runs as a formula (fedaid.domain.spreadsheets)."""
    return as_csv(await _export_rows(demand), EXPORT_COLUMNS)


async def _export_rows(demand: Demand) -> list[dict[str, str]]:
    """The co-signing collectives then the named supporters, each with the address of their profile."""
    rows = [
        {
            "kind": "cosigner",
            "name": cosigner.name,
            "address": cosigner.url or cosigner.group_ap_id,
            "date": cosigner.signed_at.date().isoformat(),
        }
        for cosigner in await DemandCosigner.filter(demand_id=demand.id).order_by("signed_at", "id")
    ]
    rows += [
        {
            "kind": "supporter",
            "name": supporter.actor.name or supporter.actor.username,
            "address": supporter.actor.url or supporter.actor.ap_id,
            "date": supporter.supported_at.date().isoformat(),
        }
        for supporter in await named_supporters(demand)
    ]
    return rows
