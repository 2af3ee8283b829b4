"""The Mastodon operations fedaid implements (by route), and the data tours of them need (a demand's poll)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from mastodon_schema import MastodonSchema

from fedaid.api.routes import routes
from fedaid.domain import demands
from fedaid.models import AccountRole

# Answered, but not JSON or not described by the schema as JSON: checked elsewhere.
NOT_JSON = {
    ("GET", "/api/v1/streaming/health"),
    ("GET", "/api/v1/streaming"),
    ("POST", "/oauth/userinfo"),
    *(
        ("GET", f"/api/v1/streaming/{name}")
        for name in ("user", "user/notification", "public", "public/local", "public/remote", "hashtag", "hashtag/local")
    ),
}


def implemented_mastodon_operations(schema: MastodonSchema) -> set[tuple[str, str]]:
    """(method, template) of every route fedaid serves that Mastodon's schema also describes."""
    found = set()
    for route in routes():
        if route.method == "*" or route.path.startswith("/api/fedaid/"):
            continue
        concrete = re.sub(r"\{(\w+)(:[^}]*)?\}", "1", route.path)
        template = schema.template_for(concrete)
        if template and route.method.lower() in schema.document["paths"][template]:
            found.add((route.method, template))
    return found - NOT_JSON


async def demand_poll_id(api) -> int:
    """The poll of a published demand of the collective."""
    organiser = await api.add_member("orga", role=AccountRole.ORGANISER)
    with api.instance.db.active():
        terms = demands.DemandTerms(
            title="Un tarif minimum",
            target="Plateforme",
            claims=["1 €/km"],
            deadline=datetime.now(UTC) + timedelta(days=9),
        )
        demand = await demands.publish_demand(await demands.draft_demand(organiser.actor, terms), by=organiser.actor)
        return (await demands.poll_of(demand)).id
