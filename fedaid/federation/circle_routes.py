"""AP JSON of coaching sessions (`Event`) and of a collective's ledger between collectives.

The HTML side of the same URLs lives in `web.coaching` and `web.ledger` (content negotiation).
"""

from __future__ import annotations

from aiohttp import web

from fedaid.activitypub.ledger import render_ledger
from fedaid.domain import collective_ledger, sessions
from fedaid.domain.instance import get_collective
from fedaid.errors import NotFound
from fedaid.federation.actor_routes import activity_json


async def serve_event_json(request: web.Request) -> web.Response:
    """A session of one of our circles, as the Event its activities carry."""
    session = await sessions.get_session(_number(request.match_info["session_id"]))
    if not session.is_local or session.circle.actor.username != request.match_info["name"]:
        raise NotFound("There is no such session here.")
    return activity_json(await sessions.event_document(session))


async def serve_ledger_json(request: web.Request) -> web.Response:
    """Hours our collective gave to and received from each other collective (a collection of pairs)."""
    collective = await get_collective(request.match_info["name"])
    if not collective.is_collective:
        raise NotFound("Only a collective keeps a ledger between collectives.")
    return activity_json(render_ledger(collective, await collective_ledger.collective_ledger(collective)))


def _number(raw: str) -> int:
    if not raw.isdigit():
        raise NotFound("There is no such session here.")
    return int(raw)
