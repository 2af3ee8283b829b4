"""Seats under concurrency over HTTP: 20 people on another server send Mobilizon's `Join` (fixture
mobilizon/join_event.json) for a 6-seat session at the same moment, to the inbox of a fedaid instance on
127.0.0.1; two inbox workers apply them side by side. Exactly 6 are accepted, 14 wait, each of the 6 receives
one signed `Accept` and nobody a `Reject`, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import aiohttp

from fedaid.appkeys import REMOTE_ACTORS
from fedaid.domain.categories import ensure_default_categories
from fedaid.domain.circles import CircleTerms, create_circle
from fedaid.domain.members import add_member
from fedaid.domain.sessions import SessionTerms, schedule_session
from fedaid.models import CoachingSession, InboxItem, InboxState, Participation, ParticipationState

from fakes.remote_instance import start_fake_remote
from testsupport import FIXTURES, PASSWORD, drain

PEOPLE, SEATS = 20, 6
START = (datetime.now(UTC) + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)


def mobilizon_join(fake, name: str, event_ap_id: str) -> dict:
    doc = json.loads((FIXTURES / "mobilizon" / "join_event.json").read_text())
    actor = fake.actor_id(name)
    doc.update(id=f"{actor}/join/event/1", actor=actor, object=event_ap_id)
    return doc


async def test_twenty_joins_over_http_at_once_for_six_seats_give_six_accepted_and_fourteen_waiting(
    make_instance, aiohttp_server
) -> None:
    coaching = await make_instance("coaching")
    names = tuple(f"p{n}" for n in range(PEOPLE))
    fake = await start_fake_remote(aiohttp_server, usernames=names)
    with coaching.db.active():
        await ensure_default_categories()
        facilitator = (await add_member(coaching.base_url, "fa", email="fa@example.org", password=PASSWORD)).actor
        circle = await create_circle(
            coaching.base_url, CircleTerms(slug="marketing", name="Cercle marketing", facilitators=(facilitator,))
        )
        terms = SessionTerms(
            title="Votre positionnement", starts_at=START, ends_at=START + timedelta(hours=2), capacity=SEATS
        )
        session = await schedule_session(circle, facilitator, terms)
        # The people are known here already (their keys fetched): the burst is about seats, not fetching
        for name in names:
            await coaching.app[REMOTE_ACTORS].get_actor(fake.actor_id(name))
    await drain(coaching)
    inbox = f"{coaching.base_url}/inbox"
    signed = [fake.sign_post(inbox, mobilizon_join(fake, name, session.ap_id), as_user=name) for name in names]

    # When their 20 Joins reach the inbox at the same moment
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as client:

        async def deliver(headers: dict[str, str], body: bytes) -> int:
            async with client.post(inbox, data=body, headers=headers) as answer:
                return answer.status

        statuses = await asyncio.gather(*(deliver(headers, body) for headers, body in signed))
    assert statuses == [202] * PEOPLE

    # And two inbox workers apply them side by side
    for _ in range(20):
        if sum(await asyncio.gather(coaching.run_worker_once(), coaching.run_worker_once())) == 0:
            break
    await drain(coaching)

    # Then exactly 6 are accepted and 14 wait, the seat count agrees, and nothing failed
    with coaching.db.active():
        states = await Participation.filter(session_id=session.id).values_list("state", flat=True)
        assert sorted(states).count(ParticipationState.ACCEPTED) == SEATS
        assert sorted(states).count(ParticipationState.WAITING) == PEOPLE - SEATS
        assert (await CoachingSession.get(id=session.id)).accepted_count == SEATS
        assert not await InboxItem.exclude(state=InboxState.DONE).exists()

    # And each of the 6 received one Accept of its own Join, signed by the circle; nobody a Reject
    answers = [seen.activity for seen in fake.received if seen.activity["type"] in ("Accept", "Reject")]
    assert [answer["type"] for answer in answers] == ["Accept"] * SEATS
    accepted_joins = {
        answer["object"]["id"] if isinstance(answer["object"], dict) else answer["object"] for answer in answers
    }
    assert len(accepted_joins) == SEATS
    assert all(seen.verified for seen in fake.received)
