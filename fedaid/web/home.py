"""The collective's home page (latest offers and requests, with filters) and the Atom feeds."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from fedaid import i18n
from fedaid.appkeys import SETTINGS
from fedaid.domain.categories import get_category
from fedaid.domain.listings import PAGE_SIZE, ProposalFilters, category_choices, list_proposals
from fedaid.domain.members import get_member
from fedaid.domain.visibility import ANONYMOUS
from fedaid.errors import NotFound
from fedaid.models.ids import possible_id
from fedaid.models.post import MAX_TAG_LENGTH
from fedaid.web.listings import filters_from_query, seen_by
from fedaid.web.sessions import current_viewer

ATOM_TYPE = "application/atom+xml"


def _before(request: web.Request) -> int | None:
    return possible_id(request.query.get("before", ""))


async def show_home(request: web.Request) -> web.Response:
    viewer = await current_viewer(request)
    filters = filters_from_query(request.query)
    cards = await list_proposals(filters, seen_by(viewer), before=_before(request))
    context = {
        "filters": filters,
        "cards": cards,
        "categories": await category_choices(i18n.current_language.get()),
        "older_url": str(request.rel_url.update_query(before=cards[-1].post.id)) if len(cards) == PAGE_SIZE else None,
    }
    return aiohttp_jinja2.render_template("home/index.html", request, context)


async def home_feed(request: web.Request) -> web.Response:
    cards = await list_proposals(filters_from_query(request.query), ANONYMOUS)
    return _atom(request, cards, title=request.app[SETTINGS].collective_name, path="/feed.atom")


async def category_feed(request: web.Request) -> web.Response:
    category = await get_category(request.match_info["slug"])
    cards = await list_proposals(ProposalFilters(category=category.slug), ANONYMOUS)
    title = f"{request.app[SETTINGS].collective_name} · {category.name_in(i18n.current_language.get())}"
    return _atom(request, cards, title=title, path=f"/categories/{category.slug}/feed.atom")


async def member_feed(request: web.Request) -> web.Response:
    member = await get_member(request.match_info["name"])
    cards = await list_proposals(ProposalFilters(status="all"), ANONYMOUS, author=member.actor)
    return _atom(
        request,
        cards,
        title=f"{member.actor.name} (@{member.actor.acct})",
        path=f"/u/{member.actor.username}/feed.atom",
    )


def _tag(request: web.Request) -> str:
    """The hashtag of a `/tags/<tag>` address, as posts store it (lowercase, without `#`)."""
    tag = request.match_info["tag"].lstrip("#").lower()
    if not tag or len(tag) > MAX_TAG_LENGTH:
        raise NotFound("There is no such hashtag.")
    return tag


async def show_tag(request: web.Request) -> web.Response:
    """`/tags/<tag>`, where the hashtag links in posts lead: the offers and requests carrying it."""
    tag = _tag(request)
    cards = await list_proposals(
        ProposalFilters(tag=tag, status="all"), seen_by(await current_viewer(request)), before=_before(request)
    )
    context = {
        "tag": tag,
        "cards": cards,
        "older_url": str(request.rel_url.update_query(before=cards[-1].post.id)) if len(cards) == PAGE_SIZE else None,
    }
    return aiohttp_jinja2.render_template("tags/show.html", request, context)


async def tag_feed(request: web.Request) -> web.Response:
    tag = _tag(request)
    cards = await list_proposals(ProposalFilters(tag=tag, status="all"), ANONYMOUS)
    return _atom(request, cards, title=f"{request.app[SETTINGS].collective_name} · #{tag}", path=f"/tags/{tag}.atom")


def _atom(request: web.Request, cards, *, title: str, path: str) -> web.Response:
    base_url = request.app[SETTINGS].base_url
    context = {
        "cards": cards,
        "feed_title": title,
        "feed_url": base_url + path,
        "base_url": base_url,
        "updated": max((card.post.updated_at or card.post.published_at for card in cards), default=None),
    }
    response = aiohttp_jinja2.render_template("feeds/atom.xml", request, context)
    response.content_type = ATOM_TYPE
    response.charset = "utf-8"
    return response
