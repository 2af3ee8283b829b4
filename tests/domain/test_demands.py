"""fedaid/domain/demands.py, polls.py and demand_question.py: a demand's life, its support and its Update(Question).
No network: what would be sent is read from the Delivery rows."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from mutual_aid_factories import deliveries, follow, make_local, make_remote

from fedaid.activitypub.questions import SUPPORT_OPTION, VoteDoc
from fedaid.domain import demand_views, demands, polls
from fedaid.domain.demand_question import send_due_updates
from fedaid.errors import Conflict, Forbidden, InvalidInput
from fedaid.models import (
    Account,
    AccountRole,
    Actor,
    DemandStatus,
    Notification,
    NotificationKind,
    Poll,
    PollVote,
)

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
DEADLINE = NOW + timedelta(days=30)


async def with_account(actor: Actor, role: AccountRole = AccountRole.MEMBER) -> Actor:
    await Account.create(actor=actor, email=f"{actor.username}@example.org", role=role)
    return actor


@pytest.fixture
async def drivers(db) -> dict[str, Actor]:
    group = await make_local("chauffeurs", group=True)
    return {
        "group": group,
        "ana": await with_account(await make_local("ana")),
        "org": await with_account(await make_local("org"), AccountRole.ORGANISER),
        "admin": await with_account(await make_local("root"), AccountRole.ADMIN),
    }


def rate_terms(**overrides) -> demands.DemandTerms:
    values = {
        "title": "Un tarif minimum au kilomètre",
        "text": "Nos revenus baissent depuis deux ans.",
        "target": "Plateforme VTC",
        "claims": ["1,20 € minimum par kilomètre", "Transparence des tarifs"],
        "deadline": DEADLINE,
    }
    values.update(overrides)
    return demands.DemandTerms(**values)


async def published(drivers: dict[str, Actor]):
    demand = await demands.draft_demand(
        drivers["ana"], rate_terms(), collective=drivers["group"], now=NOW - timedelta(hours=1)
    )
    return await demands.publish_demand(demand, by=drivers["org"], now=NOW)


async def test_a_member_drafts_and_only_an_organiser_publishes(drivers) -> None:
    # Given a follower of the collective elsewhere
    await follow(await make_remote("mo", "masto.example"), drivers["group"])
    demand = await demands.draft_demand(drivers["ana"], rate_terms(), collective=drivers["group"])
    assert demand.status == DemandStatus.DRAFT and demand.post_id is None
    # When ana tries to publish it, then the organiser does
    with pytest.raises(Forbidden):
        await demands.publish_demand(demand, by=drivers["ana"], now=NOW)
    await demands.publish_demand(demand, by=drivers["org"], now=NOW)
    # Then a Create(Question) owned by the Group goes to its followers, with one option and the demand's fields
    [(sender, inbox, create)] = await deliveries()
    assert sender == drivers["group"].ap_id and inbox == "https://masto.example/inbox"
    question = create["object"]
    assert (create["type"], question["type"], question["attributedTo"]) == ("Create", "Question", sender)
    assert question["oneOf"] == [
        {"type": "Note", "name": SUPPORT_OPTION, "replies": {"type": "Collection", "totalItems": 0}}
    ]
    assert question["endTime"] == "2026-04-01T09:30:00Z" and question["votersCount"] == 0
    assert question["demandTarget"] == "Plateforme VTC" and question["status"] == "open"
    assert question["claims"] == ["1,20 € minimum par kilomètre", "Transparence des tarifs"]
    assert "Plateforme VTC" in question["content"] and "<li>Transparence des tarifs</li>" in question["content"]
    assert [entry["status"] for entry in question["statusHistory"]] == ["open"]
    with pytest.raises(Conflict):
        await demands.publish_demand(demand, by=drivers["org"], now=NOW)


async def test_status_moves_forward_with_a_dated_history_and_supporters_hear_of_it(drivers) -> None:
    demand = await published(drivers)
    await demands.support(demand, drivers["ana"], is_named=True, now=NOW)
    for status in (DemandStatus.DELIVERED, DemandStatus.WITHDRAWN):  # members draft; they do not move it along
        with pytest.raises(Forbidden):
            await demands.change_status(demand, status, by=drivers["ana"], now=NOW)
    await demands.change_status(demand, DemandStatus.DELIVERED, by=drivers["org"], now=NOW + timedelta(days=1))
    with pytest.raises(Conflict):
        await demands.change_status(demand, DemandStatus.DELIVERED, by=drivers["org"])
    await demands.change_status(demand, DemandStatus.WON, by=drivers["org"], now=NOW + timedelta(days=2))
    view = await demand_views.view_of(demand, None, now=NOW)
    assert [(row.status, row.changed_at.day) for row in view.history][1:] == [
        (DemandStatus.OPEN, 2),
        (DemandStatus.DELIVERED, 3),
        (DemandStatus.WON, 4),
    ]
    assert await Notification.filter(recipient=drivers["ana"], kind=NotificationKind.DEMAND).count() == 2
    with pytest.raises(Conflict):  # decided: no more support
        await demands.support(demand, drivers["org"], is_named=False, now=NOW)


async def test_support_is_counted_once_named_or_not_and_withdrawn_until_the_deadline(drivers) -> None:
    demand = await published(drivers)
    poll = await demands.support(demand, drivers["ana"], is_named=True, now=NOW)
    assert poll.voters_count == 1
    with pytest.raises(Conflict):
        await demands.support(demand, drivers["ana"], is_named=False, now=NOW)
    await demands.support(demand, drivers["org"], is_named=False, now=NOW)
    view = await demand_views.view_of(demand, drivers["ana"], now=NOW)
    assert view.supporters_count == 2 and [s.actor.username for s in view.named_supporters] == ["ana"]
    assert view.my_vote is not None and view.my_vote.is_named
    poll = await demands.withdraw_support(demand, drivers["org"], now=NOW)
    assert poll.voters_count == 1
    with pytest.raises(Conflict):
        await demands.withdraw_support(demand, drivers["ana"], now=DEADLINE + timedelta(seconds=1))


async def test_remote_votes_count_once_and_are_refused_after_the_deadline_or_for_another_option(drivers) -> None:
    demand = await published(drivers)
    bob = await make_remote("bob", "masto.example")

    def vote(choice: str = SUPPORT_OPTION, number: int = 1) -> VoteDoc:
        return VoteDoc(
            ap_id=f"{bob.ap_id}#votes/{number}",
            activity_ap_id=f"{bob.ap_id}#votes/{number}/activity",
            voter=bob.ap_id,
            question=demand.ap_id,
            choice=choice,
            is_named=False,
        )

    assert not await polls.receive_vote(vote("Je refuse", 1), bob, now=NOW)
    assert not await polls.receive_vote(vote(number=2), bob, now=DEADLINE + timedelta(minutes=1))
    assert await polls.receive_vote(vote(number=3), bob, now=NOW)
    assert not await polls.receive_vote(vote(number=4), bob, now=NOW)  # the same actor again
    assert (await Poll.get(post_id=demand.post_id)).voters_count == 1
    # A Delete of the vote takes it back
    assert await polls.receive_vote_withdrawal(bob, f"{bob.ap_id}#votes/3", now=NOW)
    assert (await Poll.get(post_id=demand.post_id)).voters_count == 0


async def test_updates_are_batched_to_one_per_interval(drivers) -> None:
    await follow(await make_remote("mo", "masto.example"), drivers["group"])
    demand = await published(drivers)
    voters = [await make_remote(f"v{n}", "other.example") for n in range(5)]
    for number, voter in enumerate(voters):
        vote = VoteDoc(f"{voter.ap_id}#v/{number}", f"{voter.ap_id}#v/{number}/a", voter.ap_id, demand.ap_id,
                       SUPPORT_OPTION, False)  # fmt: skip
        assert await polls.receive_vote(vote, voter, now=NOW)
    interval = timedelta(seconds=60)
    assert await send_due_updates(NOW, interval=interval) == 1
    await demands.support(demand, drivers["ana"], is_named=True, now=NOW)
    assert await send_due_updates(NOW + timedelta(seconds=30), interval=interval) == 0  # too soon
    assert await send_due_updates(NOW + timedelta(seconds=61), interval=interval) == 1
    updates = [activity for _, _, activity in await deliveries() if activity["type"] == "Update"]
    assert [u["object"]["votersCount"] for u in updates if u["object"]["id"] == demand.ap_id][::2] == [5, 6]
    assert {inbox for _, inbox, u in await deliveries() if u["type"] == "Update"} == {
        "https://masto.example/inbox",
        "https://other.example/inbox",
    }


async def test_a_collective_cosigns_with_an_endorsement_and_an_announce(drivers) -> None:
    # Given a demand of a collective elsewhere, as we keep it
    owner = await make_remote("rideshare", "drivers.example", group=True)
    demand = await demands.draft_demand(drivers["ana"], rate_terms(), collective=drivers["group"])
    demand.collective_id, demand.is_local, demand.status = owner.id, False, DemandStatus.OPEN
    demand.ap_id = "https://drivers.example/c/rideshare/demands/1"
    await demand.save()
    await follow(await make_remote("fan", "fans.example"), drivers["group"])
    for not_admin in (drivers["ana"], drivers["org"]):  # a member, an organiser: only admins speak for it
        with pytest.raises(Forbidden):
            await demands.cosign(demand, drivers["group"], by=not_admin)
    # When our admin co-signs for our collective
    await demands.cosign(demand, drivers["group"], by=drivers["admin"], now=NOW)
    # Then our Group sends an Accept of the Question to its collective, and Announces it to our followers
    sent = {(activity["type"], inbox) for _, inbox, activity in await deliveries()}
    assert sent == {("Accept", "https://drivers.example/inbox"), ("Announce", "https://fans.example/inbox")}
    with pytest.raises(Conflict):
        await demands.cosign(demand, drivers["group"], by=drivers["admin"], now=NOW)


async def test_an_endorsement_received_is_kept_once_and_goes_out_in_the_next_update(drivers) -> None:
    demand = await published(drivers)
    ally = await make_remote("coworking", "cowork.example", group=True)
    assert await demands.receive_endorsement(ally, demand.ap_id, f"{ally.ap_id}/endorsements/1")
    assert await demands.receive_endorsement(ally, demand.ap_id, f"{ally.ap_id}/endorsements/1")
    assert not await demands.receive_endorsement(ally, "https://elsewhere.example/q/1", "https://x.example/e")
    await send_due_updates(NOW, interval=timedelta(0))
    [update] = [a for _, _, a in await deliveries() if a["type"] == "Update"]
    assert update["object"]["cosigners"] == [
        {"type": "Group", "id": ally.ap_id, "name": "coworking", "url": "https://cowork.example/@coworking"}
    ]
    assert await Notification.filter(recipient=drivers["org"], kind=NotificationKind.DEMAND).count() == 1


async def test_the_csv_for_the_target_keeps_names_from_elsewhere_from_running_as_formulas(drivers) -> None:
    # Given a demand co-signed by a Group and supported by name from another fedaid instance, both named by
    # their owners as spreadsheet formulas
    demand = await published(drivers)
    ally = await make_remote("coworking", "cowork.example", group=True)
    ally.name = '=HYPERLINK("https://evil.example";"Coworking")'
    await ally.save()
    assert await demands.receive_endorsement(ally, demand.ap_id, f"{ally.ap_id}/endorsements/1")
    bob = await make_remote("bob", "cowork.example")
    bob.name = "+SUM(1;2)"
    await bob.save()
    vote = VoteDoc(f"{bob.ap_id}#votes/1", f"{bob.ap_id}#votes/1/a", bob.ap_id, demand.ap_id, SUPPORT_OPTION, True)
    assert await polls.receive_vote(vote, bob, now=NOW)
    await demands.support(demand, drivers["ana"], is_named=True, now=NOW)
    # When an organiser exports it
    table = list(csv.DictReader(io.StringIO(await demand_views.export_csv(demand))))
    # Then every cell reads as text, and each row gives the profile's address
    assert [(row["kind"], row["name"], row["address"]) for row in table] == [
        ("cosigner", "'" + ally.name, ally.url),
        ("supporter", "'+SUM(1;2)", bob.url),
        ("supporter", "Ana", drivers["ana"].url),
    ]


async def test_the_deadline_closes_the_poll_and_tells_supporters(drivers) -> None:
    demand = await published(drivers)
    await demands.support(demand, drivers["ana"], is_named=False, now=NOW)
    await send_due_updates(DEADLINE + timedelta(minutes=1), interval=timedelta(0))
    poll = await Poll.get(post_id=demand.post_id)
    assert poll.closed_at == DEADLINE
    assert await Notification.filter(recipient=drivers["ana"], kind=NotificationKind.POLL).count() == 1


async def test_bad_input_is_refused_with_a_reason(drivers) -> None:
    with pytest.raises(InvalidInput, match="title"):
        await demands.draft_demand(drivers["ana"], rate_terms(title=" "), collective=drivers["group"])
    with pytest.raises(InvalidInput, match="claims"):
        await demands.draft_demand(drivers["ana"], rate_terms(claims=["x" * 301]), collective=drivers["group"])
    demand = await demands.draft_demand(drivers["ana"], rate_terms(deadline=NOW), collective=drivers["group"])
    with pytest.raises(InvalidInput, match="deadline"):
        await demands.publish_demand(demand, by=drivers["org"], now=NOW + timedelta(seconds=1))


async def test_two_hundred_supports_at_once_count_exactly_two_hundred(drivers) -> None:
    # Given a published demand and 200 actors, local and remote
    demand = await published(drivers)
    locals_ = [await make_local(f"m{n}") for n in range(100)]
    remotes = [await make_remote(f"r{n}", "masto.example") for n in range(100)]
    poll = await demands.poll_of(demand)

    async def remote_vote(actor: Actor) -> bool:
        doc = VoteDoc(f"{actor.ap_id}#votes/1", f"{actor.ap_id}#votes/1/activity", actor.ap_id, demand.ap_id,
                      SUPPORT_OPTION, False)  # fmt: skip
        return await polls.receive_vote(doc, actor, now=NOW)

    async def local_vote(actor: Actor) -> bool:
        return await polls.count_vote(poll, actor, 0, is_named=True)

    # When every one of them supports at once, and each a second time
    results = await asyncio.gather(
        *(remote_vote(actor) for actor in remotes * 2), *(local_vote(actor) for actor in locals_ * 2)
    )
    # Then exactly 200 count, and the count matches the rows
    assert sum(results) == 200
    assert (await Poll.get(id=poll.id)).voters_count == 200 == await PollVote.filter(poll_id=poll.id).count()
