"""Agreements and exchanges as their parties read them: a member's page of agreements or exchanges, the
agreements on one proposal, and the exchange of each agreement shown."""

from __future__ import annotations

from collections.abc import Iterable

from tortoise.expressions import Q

from fedaid.domain.paging import Page, fetch_page
from fedaid.models import Actor, Agreement, AgreementState, Exchange, Proposal


async def agreements_page(actor: Actor, page: Page, *, state: AgreementState | None = None) -> list[Agreement]:
    """The agreements `actor` is a party to (in `state` if given), newest first, proposal and parties loaded."""
    query = Agreement.filter(Q(provider_id=actor.id) | Q(receiver_id=actor.id))
    if state is not None:
        query = query.filter(state=state)
    return await fetch_page(query.select_related("proposal", "provider", "receiver"), page)


async def agreements_on(proposal: Proposal, reader: Actor) -> list[Agreement]:
    """The agreements on `proposal`, newest first: all of them for its author, else only `reader`'s own."""
    query = Agreement.filter(proposal_id=proposal.id)
    if proposal.post.author_id != reader.id:
        query = query.filter(Q(provider_id=reader.id) | Q(receiver_id=reader.id))
    return list(await query.order_by("-id").select_related("proposal", "provider", "receiver"))


async def exchanges_of(agreement_ids: Iterable[int]) -> dict[int, Exchange]:
    """The exchange of each of these agreements that has one, by agreement id."""
    return {row.agreement_id: row for row in await Exchange.filter(agreement_id__in=list(agreement_ids))}


async def exchanges_page(actor: Actor, page: Page) -> list[Exchange]:
    """The exchanges of the agreements `actor` is a party to, newest first."""
    mine = Q(agreement__provider_id=actor.id) | Q(agreement__receiver_id=actor.id)
    return await fetch_page(Exchange.filter(mine), page)


async def all_agreements_on(proposal: Proposal) -> list[Agreement]:
    """Every agreement on `proposal`, oldest first, with both parties loaded (its page sorts out who sees what)."""
    return list(await Agreement.filter(proposal_id=proposal.id).order_by("id").prefetch_related("provider", "receiver"))
