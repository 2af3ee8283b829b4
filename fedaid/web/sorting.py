"""The admins' page to re-sort offers and requests filed under the general category (#divers)."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from fedaid.domain import category_sorting
from fedaid.domain.categories import list_categories
from fedaid.domain.category_words import GENERAL
from fedaid.domain.proposals import get_proposal
from fedaid.models import Proposal
from fedaid.path_ids import path_id
from fedaid.web.forms import Form
from fedaid.web.sessions import require_admin


async def show_sorting(request: web.Request) -> web.Response:
    """The proposals still under the general category, each with the categories it can move to."""
    await require_admin(request)
    context = {
        "proposals": await category_sorting.unsorted_proposals(),
        "categories": [category for category in await list_categories() if category.slug != GENERAL],
        "saved": request.query.get("saved") == "1",
    }
    return aiohttp_jinja2.render_template("admin/sorting.html", request, context)


async def sort_post(request: web.Request) -> web.Response:
    """Move one proposal to the chosen category; a bad choice is a 400 page saying why."""
    viewer = await require_admin(request)
    proposal = await get_proposal(path_id(request, Proposal))
    form = await Form.read(request)
    await category_sorting.sort_into(proposal, form.get("category").strip(), by=viewer.actor)
    raise web.HTTPSeeOther("/admin/sorting?saved=1")
