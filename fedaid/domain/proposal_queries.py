"""Proposals found by their terms (purpose, status, category, words in the title, a place nearby), a page at a
time, for fedaid's own API; each page is filtered by the one visibility rule for the viewer."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from tortoise.expressions import Subquery

from fedaid.domain.paging import Page, fetch_page
from fedaid.domain.search_tokens import distance_km
from fedaid.domain.visibility import Viewer, listed_to, visible_to
from fedaid.models import Actor, Post, PostTag, Proposal


@dataclass(frozen=True)
class Near:
    """A circle on the map: its centre and radius."""

    latitude: float
    longitude: float
    radius_km: float


@dataclass(frozen=True)
class ProposalQuery:
    """What a reader asks of the proposal list; `None` and empty values ask nothing."""

    purpose: str | None = None
    status: str | None = None
    category: str | None = None
    remote_ok: bool = False
    words: tuple[str, ...] = ()
    near: Near | None = None
    tag: str | None = None
    local: bool = False
    author_id: int | None = None


async def proposal_posts_page(asked: ProposalQuery, viewer: Viewer, page: Page) -> list[Post]:
    """The posts of the proposals matching `asked` that `viewer` may list, newest first, authors loaded."""
    query = Post.filter(deleted_at__isnull=True, id__in=Subquery(_matching(asked).values("post_id")))
    query = query.filter(listed_to(viewer))
    if asked.tag is not None:
        query = query.filter(id__in=Subquery(PostTag.filter(name=asked.tag).values("post_id")))
    if asked.local:
        query = query.filter(is_local=True)
    if asked.author_id is not None:
        query = query.filter(author_id=asked.author_id)
    posts = await fetch_page(query.select_related("author"), page)
    if asked.near is None:
        return posts
    places = {p.post_id: p for p in await Proposal.filter(post_id__in=[post.id for post in posts])}
    return [post for post in posts if _within(asked.near, places[post.id].latitude, places[post.id].longitude)]


async def find_visible_proposal_post(post_id: int, viewer: Viewer) -> Post | None:
    """The post with this id if it is not deleted and `viewer` may see it, author loaded."""
    query = Post.filter(id=post_id, deleted_at__isnull=True).filter(visible_to(viewer))
    return await query.select_related("author").first()


async def newest_proposals(limit: int, *, status: str | None = None, author: Actor | None = None) -> list[Proposal]:
    """The newest proposals whose post is not deleted, with this status and by this author when given; each with
    its post and author loaded (for the command line, which sees everything)."""
    query = Proposal.filter(post__deleted_at__isnull=True)
    if status:
        query = query.filter(status=status)
    if author is not None:
        query = query.filter(post__author_id=author.id)
    return await query.order_by("-id").limit(limit).prefetch_related("post__author")


def _matching(asked: ProposalQuery) -> Any:
    query = Proposal.all()
    if asked.purpose:
        query = query.filter(purpose=asked.purpose)
    if asked.status:
        query = query.filter(status=asked.status)
    if asked.category:
        query = query.filter(category=asked.category)
    if asked.remote_ok:
        query = query.filter(remote_ok=True)
    for word in asked.words:
        query = query.filter(title__icontains=word)
    if asked.near is not None:
        lat, lon, radius = asked.near.latitude, asked.near.longitude, asked.near.radius_km
        dlat = radius / 111.0
        dlon = radius / max(1.0, 111.0 * math.cos(math.radians(lat)))
        query = query.filter(
            latitude__gte=lat - dlat, latitude__lte=lat + dlat, longitude__gte=lon - dlon, longitude__lte=lon + dlon
        )
    return query


def _within(near: Near, latitude: float | None, longitude: float | None) -> bool:
    if latitude is None or longitude is None:  # not reached: the query asked for a place in the box
        return False
    return distance_km(near.latitude, near.longitude, latitude, longitude) <= near.radius_km
