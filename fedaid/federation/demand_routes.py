"""GET of a demand's URL as AP JSON: the Question (public once published; drafts are not there)."""

from __future__ import annotations

from aiohttp import web

from fedaid.activitypub.vocab import AP_CONTENT_TYPE
from fedaid.appkeys import SETTINGS
from fedaid.domain.demand_question import question_of
from fedaid.domain.demands import find_demand_by_ap_id
from fedaid.errors import NotFound


async def serve_question_json(request: web.Request) -> web.Response:
    """`/c/<slug>/demands/<id>` for servers: the demand's Question, with its counts and co-signers."""
    demand = await find_demand_by_ap_id(request.app[SETTINGS].base_url + request.path)
    if demand is None or not demand.is_local or demand.post_id is None:
        raise NotFound("There is no such demand here.")
    return web.json_response(await question_of(demand), content_type=AP_CONTENT_TYPE)
