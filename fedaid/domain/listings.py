"""Lists of proposals as the pages show them (home, profiles, feeds, search), each filtered by the one
visibility rule for the viewer: only what is visible to them and listed (`domain/visibility.py`).

Proposals from silenced domains are kept but left out of the lists, except for their authors' followers;
one author's own list is left whole. Reading only.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from tortoise.expressions import Q, Subquery

from fedaid.domain.categories import list_categories
from fedaid.domain.policy import not_silenced
from fedaid.domain.search import SearchFilters, search, without_silenced
from fedaid.domain.search_tokens import search_terms
from fedaid.domain.visibility import Viewer, listed_to, related, visible_to
from fedaid.models import (
    Actor,
    Category,
    Follow,
    FollowState,
    Post,
    PostTag,
    Proposal,
    ProposalPurpose,
    ProposalStatus,
)

PAGE_SIZE = 20


@dataclass(frozen=True)
class ProposalFilters:
    """What the home page's filter form asks for; empty strings mean "any"."""

    purpose: str = ""
    category: str = ""
    tag: str = ""
    place: str = ""
    remote: bool = False
    status: str = "open"

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


async def list_proposals(
    filters: ProposalFilters,
    viewer: Viewer,
    *,
    author: Actor | None = None,
    before: int | None = None,
    limit: int = PAGE_SIZE,
) -> list[Card]:
    """The newest proposals matching `filters` that `viewer` may see listed (by post id, newest first)."""
    query = Proposal.filter(related(listed_to(viewer), "post"))
    if author is None and (shown := await not_silenced_for(viewer.actor)) is not None:
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
    return await cards_for(proposals, viewer)


async def search_listings(text: str, viewer: Viewer, *, limit: int = 40) -> tuple[list[Card], list[Post]]:
    """The search page: matching proposals as cards, and matching top-level posts, as `viewer` may list them."""
    hits = await search(text, SearchFilters(), limit=limit, viewer=viewer)
    hits = await without_silenced(hits, reader=viewer.actor)
    proposals = [hit.proposal for hit in hits if hit.proposal is not None]
    for proposal in proposals:
        proposal.post = next(hit.post for hit in hits if hit.post.id == proposal.post_id)
    posts = [hit.post for hit in hits if hit.proposal is None and hit.post.in_reply_to_id is None]
    return await cards_for(proposals, viewer), posts


async def search_statuses(text: str, viewer: Viewer, *, limit: int, offset: int) -> list[Post]:
    """The client API's status search: a post by its URL when visible, else (for members only, as on Mastodon)
    every word in the text, best match first, among what `viewer` may see listed."""
    if text.startswith(("http://", "https://")):
        shown = Post.filter(visible_to(viewer)).select_related("author")
        return list(await shown.filter(ap_id=text).limit(1)) or list(await shown.filter(url=text).limit(1))
    if viewer.actor is None or not search_terms(text):
        return []
    return [hit.post for hit in await search(text, limit=limit, offset=offset, viewer=viewer)]


async def hashtags_starting(prefix: str, *, limit: int, offset: int) -> list[str]:
    """Hashtag names in use that start with `prefix` (lowercase, without `#`), in alphabetical order."""
    if not prefix:
        return []
    names = PostTag.filter(name__startswith=prefix).distinct().order_by("name").offset(offset).limit(limit)
    return list(await names.values_list("name", flat=True))


async def not_silenced_for(reader: Actor | None) -> Q | None:
    """A filter on proposals that applies policy.not_silenced() to their posts, sparing the authors
    `reader` follows; None when no domain is silenced."""
    shown_posts = await not_silenced()
    if not shown_posts.children and not shown_posts.filters:
        return None
    shown = Q(post_id__in=Subquery(Post.filter(shown_posts).values("id")))
    if reader is not None:
        followed = Follow.filter(follower_id=reader.id, state=FollowState.ACCEPTED).values("target_id")
        shown |= Q(post__author_id__in=Subquery(followed))
    return shown


async def cards_for(proposals: list[Proposal], viewer: Viewer) -> list[Card]:
    """Cards for proposals already loaded with their post and author; `responses` counts those `viewer` sees."""
    categories = {category.slug: category for category in await list_categories(include_retired=True)}
    post_ids = [proposal.post_id for proposal in proposals]
    replies = (
        Counter(
            await Post.filter(visible_to(viewer), in_reply_to_id__in=post_ids).values_list("in_reply_to_id", flat=True)
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
