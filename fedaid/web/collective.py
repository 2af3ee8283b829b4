"""The about page (rules, contact) and search over offers, requests and posts."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from fedaid.appkeys import SETTINGS
from fedaid.domain.instance import count_local_members, find_collective_page, get_collective
from fedaid.domain.policy import DomainPolicies
from fedaid.domain.search import SearchFilters, SearchHit, search
from fedaid.models import Actor, Follow, FollowState
from fedaid.web.listings import cards_for, visibilities_for
from fedaid.web.sessions import current_viewer

MAX_QUERY = 200


async def show_about(request: web.Request) -> web.Response:
    collective = await get_collective(request.app[SETTINGS].collective_slug)
    page = await find_collective_page(collective)
    context = {"collective": collective, "page": page, "members": await count_local_members(),
               "registration_mode": request.app[SETTINGS].registration_mode}
    return aiohttp_jinja2.render_template("collective/about.html", request, context)


async def show_search(request: web.Request) -> web.Response:
    viewer = await current_viewer(request)
    text = request.query.get("q", "").strip()[:MAX_QUERY]
    cards, posts = [], []
    if text:
        hits = await search(text, SearchFilters(visibilities=visibilities_for(viewer is not None)), limit=40)
        hits = await _without_silenced(hits, viewer.actor if viewer else None)
        proposals = [hit.proposal for hit in hits if hit.proposal is not None]
        for proposal in proposals:
            proposal.post = next(hit.post for hit in hits if hit.post.id == proposal.post_id)
        cards = await cards_for(proposals)
        posts = [hit.post for hit in hits if hit.proposal is None and hit.post.in_reply_to_id is None]
    return aiohttp_jinja2.render_template("collective/search.html", request,
                                          {"q": text, "cards": cards, "posts": posts})


async def _without_silenced(hits: list[SearchHit], reader: Actor | None) -> list[SearchHit]:
    """Search leaves out silenced domains as the lists do, except the authors `reader` follows."""
    policies = DomainPolicies()
    followed = set(await Follow.filter(follower_id=reader.id, state=FollowState.ACCEPTED)
                   .values_list("target_id", flat=True)) if reader else set()
    return [hit for hit in hits if hit.post.is_local or hit.post.author_id in followed
            or not await policies.is_silenced(hit.post.author.domain)]
