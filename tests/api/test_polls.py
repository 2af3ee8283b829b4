"""A demand in the client API: a status with Mastodon's Poll entity, GET /api/v1/polls/:id and
POST /api/v1/polls/:id/votes, from raw HTTP and from Mastodon.py. Every answer is checked against
Mastodon's OpenAPI schema (tests/api/mastodon_schema.py)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import requests

from fedaid.domain import demands
from fedaid.domain.instance import get_collective
from fedaid.models import AccountRole, Poll

mastodon = pytest.importorskip("mastodon")
from mastodon import Mastodon  # noqa: E402


async def publish_demand(api) -> demands.Demand:
    """The collective's demand, drafted by ana and published by the organiser."""
    with api.instance.db.active():
        group = await get_collective(api.instance.settings.collective_slug)
        organiser = (await api.add_member("orga", role=AccountRole.ORGANISER)).actor
        demand = await demands.draft_demand(
            organiser,
            demands.DemandTerms(
                title="Un tarif minimum au kilomètre",
                target="Plateforme VTC",
                claims=["1,20 € par kilomètre"],
                deadline=datetime.now(UTC) + timedelta(days=20),
            ),
            collective=group,
        )
        return await demands.publish_demand(demand, by=organiser)


async def test_a_demand_is_a_status_with_a_poll_that_members_vote_in(api, mastodon_schema) -> None:
    # Given a published demand and a member with a token
    demand = await publish_demand(api)
    await api.add_member("bea")
    # When bea reads it as a status (schema-checked by api.get)
    status = await api.get(f"/api/v1/statuses/{demand.post_id}", as_="bea")
    assert status.status == 200
    poll = status.body["poll"]
    assert poll["options"] == [{"title": "Je soutiens / I support", "votes_count": 0}]
    assert (poll["voted"], poll["own_votes"], poll["multiple"], poll["expired"]) == (False, [], False, False)
    assert "Plateforme VTC" in status.body["content"]
    # And votes in it
    voted = await api.post(f"/api/v1/polls/{poll['id']}/votes", as_="bea", json={"choices": [0]})
    assert voted.status == 200, voted.body
    assert (voted.body["votes_count"], voted.body["voters_count"], voted.body["own_votes"]) == (1, 1, [0])
    # Then a second vote is refused, a wrong option too, and GET shows the count
    again = await api.post(f"/api/v1/polls/{poll['id']}/votes", as_="bea", json={"choices": [0]})
    assert again.status == 409
    wrong = await api.post(f"/api/v1/polls/{poll['id']}/votes", as_="orga", json={"choices": [3]})
    assert wrong.status == 400 and "option" in wrong.body["error"]
    shown = await api.get(f"/api/v1/polls/{poll['id']}")
    assert shown.status == 200 and shown.body["votes_count"] == 1 and "voted" not in shown.body
    assert ("GET", "/api/v1/polls/{id}", 200) in mastodon_schema.checked
    assert ("POST", "/api/v1/polls/{id}/votes", 200) in mastodon_schema.checked
    missing = await api.get("/api/v1/polls/1")
    assert missing.status == 404


async def test_mastodon_py_votes_on_a_demand(api, mastodon_schema) -> None:
    demand = await publish_demand(api)
    await api.add_member("cy")
    session = requests.Session()

    def check(response: requests.Response, *args, **kwargs) -> None:
        if response.headers.get("Content-Type", "").startswith("application/json"):
            mastodon_schema.assert_valid(
                response.request.method, urlsplit(response.url).path, response.status_code, response.json()
            )

    session.hooks["response"].append(check)
    client = Mastodon(
        access_token=api.tokens["cy"],
        api_base_url=api.base_url,
        session=session,
        version_check_mode="none",
        request_timeout=20,
    )
    status = await asyncio.to_thread(client.status, demand.post_id)
    assert status.poll.options[0].title == "Je soutiens / I support"
    voted = await asyncio.to_thread(client.poll_vote, status.poll.id, [0])
    assert voted.voted is True and voted.own_votes == [0] and voted.votes_count == 1
    again = await asyncio.to_thread(client.poll, status.poll.id)
    assert again.voters_count == 1
    with api.instance.db.active():
        assert (await Poll.get(id=int(status.poll.id))).voters_count == 1
