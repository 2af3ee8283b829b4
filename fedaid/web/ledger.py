"""The public page of a collective's ledger between collectives (its AP collection is at the same URL)."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from fedaid.domain import collective_ledger, reported_ledgers
from fedaid.domain.instance import get_collective
from fedaid.errors import NotFound


async def show_ledger(request: web.Request) -> web.Response:
    collective = await get_collective(request.match_info["name"])
    if not collective.is_collective:
        raise NotFound("Only a collective keeps a ledger between collectives.")
    pairs = await collective_ledger.collective_ledger(collective)
    context = {
        "collective": collective,
        "pairs": pairs,
        "reported": await reported_ledgers.reports_between_others(collective),
    }
    return aiohttp_jinja2.render_template("ledger/show.html", request, context)
