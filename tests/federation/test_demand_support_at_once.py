"""200 supports of one demand arriving at the same moment, half through the inbox (Mastodon's vote notes, signed
by 100 users of a fake Mastodon server) and half through the web form (100 members signed in), each sent twice:
the poll counts exactly 200 on SQLite and on PostgreSQL, and the Update(Question) that goes out says 200."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import aiohttp

from fedaid.appkeys import REMOTE_ACTORS
from fedaid.domain import demands
from fedaid.domain.members import add_member
from fedaid.models import AccountRole, Delivery, InboxItem, InboxState, Poll, PollVote
from tests.web.helpers import Visitor

from fakes.remote_instance import start_fake_remote
from testsupport import FIXTURES, PASSWORD, drain

PEOPLE = 100
OPTION = "Je soutiens / I support"


def mastodon_vote(fake, name: str, question: str, owner: str, number: int) -> dict:
    """The vote note Mastodon sends (fixture mastodon/create_poll_vote_docs.json), from `name` on the fake."""
    doc = json.loads((FIXTURES / "mastodon" / "create_poll_vote_docs.json").read_text())
    voter = fake.actor_id(name)
    doc["id"], doc["actor"], doc["to"] = f"{voter}#votes/{number}/activity", voter, owner
    doc["object"].update(id=f"{voter}#votes/{number}", attributedTo=voter, to=owner, inReplyTo=question, name=OPTION)
    return doc


async def test_two_hundred_supports_at_once_through_the_inbox_and_the_web_count_two_hundred(
    make_instance, aiohttp_server
) -> None:
    drivers = await make_instance("drivers", demand_update_interval=0)
    names = tuple(f"mo{n}" for n in range(PEOPLE))
    fake = await start_fake_remote(aiohttp_server, usernames=names)
    with drivers.db.active():
        organiser = (
            await add_member(drivers.base_url, "orga", email="orga@example.org", password=PASSWORD,
                             role=AccountRole.ORGANISER)
        ).actor  # fmt: skip
        for n in range(PEOPLE):
            await add_member(drivers.base_url, f"m{n}", email=f"m{n}@example.org", password=PASSWORD)
        demand = await demands.draft_demand(
            organiser,
            demands.DemandTerms(
                title="Un tarif minimum au kilomètre",
                target="Plateforme VTC",
                claims=["1,20 € minimum par kilomètre"],
                deadline=datetime.now(UTC) + timedelta(days=30),
            ),
        )
        demand = await demands.publish_demand(demand, by=organiser)
        owner = (await demand.collective).ap_id
    await drain(drivers)
    members = [Visitor(drivers.base_url) for _ in range(PEOPLE)]
    try:
        for n, visitor in enumerate(members):
            await visitor.sign_in(f"m{n}")
            await visitor.get(f"/demands/{demand.id}")  # the page with the form (and its CSRF token)

        # The fake's users are known here already (their keys fetched): the burst is about counting, not fetching
        with drivers.db.active():
            for name in names:
                await drivers.app[REMOTE_ACTORS].get_actor(fake.actor_id(name))
        inbox = f"{drivers.base_url}/inbox"
        signed = [
            fake.sign_post(inbox, mastodon_vote(fake, name, demand.ap_id, owner, number), as_user=name)
            for number in (1, 2)
            for name in names
        ]

        # When the 100 Mastodon users (each twice) and the 100 members (each twice) support it at the same moment
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as client:

            async def deliver(headers: dict[str, str], body: bytes) -> tuple[int, str]:
                async with client.post(inbox, data=body, headers=headers) as answer:
                    return answer.status, await answer.text()

            votes = [deliver(headers, body) for headers, body in signed]
            supports = [
                visitor.post(f"/demands/{demand.id}/support", {"named": "on"}) for _ in (1, 2) for visitor in members
            ]
            answers = await asyncio.gather(*votes, *supports)
    finally:
        for visitor in members:
            await visitor.close()
    inbox_statuses = [status for status, _ in answers[: 2 * PEOPLE]]
    assert inbox_statuses == [202] * (2 * PEOPLE)
    # The second form sent by a member is refused (already counted); every first one lands on the demand
    web_statuses = sorted(page.status for page in answers[2 * PEOPLE :])
    assert web_statuses.count(200) >= PEOPLE and set(web_statuses) <= {200, 409}

    # And two inbox workers apply the 200 queued votes side by side
    with drivers.db.active():
        assert await InboxItem.filter(state=InboxState.PENDING).count() == 2 * PEOPLE
    for _ in range(20):
        claimed = await asyncio.gather(drivers.run_worker_once(), drivers.run_worker_once())
        if sum(claimed) == 0:
            break
    await drain(drivers)

    # Then exactly 200 count, as many rows as the count, 100 named (the members), none from Mastodon named
    with drivers.db.active():
        poll = await Poll.get(post_id=demand.post_id)
        rows = await PollVote.filter(poll_id=poll.id).count()
        named = await PollVote.filter(poll_id=poll.id, is_named=True).count()
        failed = await InboxItem.exclude(state=InboxState.DONE).count()
        updates = [
            json.loads(row.payload)
            for row in await Delivery.filter(activity_id__contains="#updates/").order_by("-id")
            if json.loads(row.payload)["type"] == "Update"
        ]
    assert poll.voters_count == 2 * PEOPLE == rows
    assert named == PEOPLE
    assert failed == 0
    # And the last Update(Question) sent says 200
    assert updates and updates[0]["object"]["votersCount"] == 2 * PEOPLE
