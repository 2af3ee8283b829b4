"""Admins re-sort the proposals filed under the general category (`#divers`), those whose words named no
category: each moves to the category that fits, and the change reaches followers as an Update, as an edit
by its author would. Every move is in the audit log. No HTTP here.
"""

from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from fedaid.domain import audit, proposals
from fedaid.domain.category_words import GENERAL
from fedaid.errors import Conflict, Forbidden, InvalidInput
from fedaid.models import Account, AccountRole, Actor, Category, Post, Proposal, ProposalStatus

SHOWN = 200  # at most this many to sort on one page, oldest first


async def unsorted_proposals() -> list[Proposal]:
    """This server's open or agreed proposals still under the general category, oldest first, with post and author."""
    return await (
        Proposal.filter(
            category=GENERAL,
            status__in=(ProposalStatus.OPEN, ProposalStatus.AGREED),
            post__is_local=True,
            post__deleted_at__isnull=True,
        )
        .order_by("id")
        .limit(SHOWN)
        .prefetch_related("post__author")
    )


async def sort_into(proposal: Proposal, slug: str, *, by: Actor, now: datetime | None = None) -> Proposal:
    """An admin files a proposal from the general category under `slug` (an active category)."""
    if not await Account.filter(actor_id=by.id, role=AccountRole.ADMIN).exists():
        raise Forbidden("Only an admin can re-sort offers and requests.")
    category = await Category.get_or_none(slug=slug, is_active=True) if slug != GENERAL else None
    if category is None:
        raise InvalidInput("Choose one of the categories.")
    post = await Post.get(id=proposal.post_id)
    if not post.is_local or post.is_deleted:
        raise Conflict("Only offers and requests published here can be re-sorted.")
    async with in_transaction():
        if proposal.category != GENERAL or not await proposals.change_category(proposal, slug, was=GENERAL, now=now):
            raise Conflict("This offer or request is already sorted.")
        await audit.record("proposal.sort", post.ap_id, by=by, detail=f"{GENERAL} → {slug}")
    return proposal
