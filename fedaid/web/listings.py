"""Read-only queries behind the pages: lists of proposals with what their cards show.

Reading only: every change goes through `fedaid.domain`. Visibility (docs/architecture.md): people who are
not signed in see public proposals; members also see members-only ones (from here and from allies).
Proposals from silenced domains are kept but left out of the lists, except for their authors' followers;
their own pages still show them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from tortoise.expressions import Q, Subquery

from fedaid.domain.categories import list_categories
from fedaid.domain.remote_posts import not_silenced
from fedaid.models import (
    Actor,
    Category,
    Follow,
    FollowState,
    Post,
    Proposal,
    ProposalPurpose,
    ProposalStatus,
    Visibility,
)

PAGE_SIZE = 20
PUBLIC_VISIBILITIES = (Visibility.PUBLIC,)
MEMBER_VISIBILITIES = (Visibility.PUBLIC, Visibility.UNLISTED, Visibility.FOLLOWERS)


@dataclass(frozen=True)
class ProposalFilters:
    """What the home page's filter form asks for; empty strings mean "any"."""

    purpose: str = ""
    category: str = ""
    tag: str = ""
    place: str = ""
    remote: bool = False
    status: str = "open"

    @classmethod
    def from_query(cls, query) -> ProposalFilters:
        purpose = query.get("purpose", "")
        status = query.get("status", "open")
        return cls(
            purpose=purpose if purpose in ("offer", "request") else "",
            category=query.get("category", "").strip()[:64],
            tag=query.get("tag", "").strip().lstrip("#").lower()[:100],
            place=query.get("place", "").strip()[:200],
            remote=query.get("remote", "") in ("on", "1", "true"),
            status=status if status in ("open", "all") else "open",
        )

    @property
    def is_empty(self) -> bool:
        return self == ProposalFilters()


@dataclass(frozen=True)
class Card:
    """One proposal as the lists show it."""

    proposal: Proposal
    post: Post
    author: Actor
    category: Category | None
    responses: int


def visibilities_for(is_member: bool) -> tuple[Visibility, ...]:
    return MEMBER_VISIBILITIES if is_member else PUBLIC_VISIBILITIES


async def list_proposals(
    filters: ProposalFilters,
    *,
    is_member: bool,
    author: Actor | None = None,
    before: int | None = None,
    limit: int = PAGE_SIZE,
    reader: Actor | None = None,
) -> list[Card]:
    """The newest proposals matching `filters` (by post id, newest first), as cards.

    `reader` is the signed-in member, who still sees the proposals of silenced authors they follow.
    One `author`'s list is their own page: silencing leaves it whole.
    """
    query = Proposal.filter(post__deleted_at__isnull=True, post__visibility__in=visibilities_for(is_member))
    if author is None and (shown := await not_silenced_for(reader)) is not None:
        query = query.filter(shown)
    if filters.purpose:
        query = query.filter(purpose=ProposalPurpose(filters.purpose))
    if filters.category:
        query = query.filter(category=filters.category)
    if filters.tag:
        query = query.filter(post__tags__name=filters.tag)
    if filters.place:
        query = query.filter(place_name__icontains=filters.place)
    if filters.remote:
        query = query.filter(remote_ok=True)
    if filters.status == "open":
        query = query.filter(status=ProposalStatus.OPEN)
    if author is not None:
        query = query.filter(post__author_id=author.id)
    if before is not None:
        query = query.filter(post_id__lt=before)
    proposals = await query.distinct().order_by("-post_id").limit(limit).prefetch_related("post__author")
    return await cards_for(proposals)


async def not_silenced_for(reader: Actor | None) -> Q | None:
    """A filter on proposals that applies remote_posts.not_silenced() to their posts, sparing the authors
    `reader` follows; None when no domain is silenced."""
    shown_posts = await not_silenced()
    if not shown_posts.children and not shown_posts.filters:
        return None
    shown = Q(post_id__in=Subquery(Post.filter(shown_posts).values("id")))
    if reader is not None:
        followed = Follow.filter(follower_id=reader.id, state=FollowState.ACCEPTED).values("target_id")
        shown |= Q(post__author_id__in=Subquery(followed))
    return shown


async def cards_for(proposals: list[Proposal]) -> list[Card]:
    categories = {category.slug: category for category in await list_categories(include_retired=True)}
    post_ids = [proposal.post_id for proposal in proposals]
    replies = (
        Counter(
            await Post.filter(in_reply_to_id__in=post_ids, deleted_at__isnull=True).values_list(
                "in_reply_to_id", flat=True
            )
        )
        if post_ids
        else Counter()
    )
    return [
        Card(
            proposal, proposal.post, proposal.post.author, categories.get(proposal.category), replies[proposal.post_id]
        )
        for proposal in proposals
    ]


async def category_choices(language: str) -> list[tuple[str, str]]:
    return [(category.slug, category.name_in(language)) for category in await list_categories()]
