"""Collective demands across three fedaid instances on 127.0.0.1 and a fake Mastodon server.

The drivers' collective publishes a demand; members of the drivers and of the coworking space support it;
the coworking space's admin co-signs it; a Mastodon user votes in its poll with the note Mastodon sends.
Once the Update(Question) arrives, every instance shows the same count and co-signers. Then the votes that
must change nothing (twice, after the deadline, another option, a blocked domain, a signer who is not the
author) change nothing, and a Delete of a vote takes it back.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from fedaid.appkeys import REMOTE_ACTORS
from fedaid.domain import alliances, demands, policy
from fedaid.domain.instance import get_collective
from fedaid.domain.members import add_member
from fedaid.models import AccountRole, Actor, Demand, DemandCosigner, Poll, PollVote

from fakes.remote_instance import start_fake_remote
from testsupport import FIXTURES, PASSWORD, drain


async def member(instance, username: str, role: AccountRole = AccountRole.MEMBER) -> Actor:
    with instance.db.active():
        return (
            await add_member(instance.base_url, username, email=f"{username}@example.org", password=PASSWORD, role=role)
        ).actor


@pytest.fixture
async def network(make_instance):
    """Three collectives; the coworking space and the coaching collective are allied with the drivers."""
    instances = [await make_instance(slug, demand_update_interval=0) for slug in ("drivers", "coworking", "coaching")]
    drivers = instances[0]
    with drivers.db.active():
        drivers_group = await get_collective("drivers")
    for instance in instances[1:]:
        with instance.db.active():
            ours = await get_collective(instance.settings.collective_slug)
            await alliances.request_alliance(ours, await instance.app[REMOTE_ACTORS].get_actor(drivers_group.ap_id))
    await drain(*instances)
    for instance in instances[1:]:
        with drivers.db.active():
            group = await Actor.get(ap_id=f"{instance.base_url}/c/{instance.settings.collective_slug}")
            if (await alliances.find_alliance(drivers_group, group)).theirs != "accepted":
                await alliances.approve_alliance(drivers_group, group)
    await drain(*instances)
    return instances


async def publish(drivers) -> Demand:
    organiser = await member(drivers, "orga", AccountRole.ORGANISER)
    with drivers.db.active():
        demand = await demands.draft_demand(
            organiser,
            demands.DemandTerms(
                title="Un tarif minimum au kilomètre",
                text="Nos revenus baissent depuis deux ans.",
                target="Plateforme VTC",
                claims=["1,20 € minimum par kilomètre", "Des tarifs publiés"],
                deadline=datetime.now(UTC) + timedelta(days=30),
            ),
        )
        return await demands.publish_demand(demand, by=organiser)


def mastodon_vote(fake, name: str, question: str, option: str, number: int, *, owner: str) -> dict:
    """The vote Mastodon sends (fixture mastodon/create_poll_vote_docs.json), from `name` on the fake."""
    doc = json.loads((FIXTURES / "mastodon" / "create_poll_vote_docs.json").read_text())
    voter = fake.actor_id(name)
    doc["id"], doc["actor"], doc["to"] = f"{voter}#votes/{number}/activity", voter, owner
    doc["object"].update(id=f"{voter}#votes/{number}", attributedTo=voter, to=owner, inReplyTo=question, name=option)
    return doc


async def shown(instance, ap_id: str) -> tuple[int, list[str], str]:
    """(supporters, co-signers' ids, status) of a demand as this instance shows it."""
    with instance.db.active():
        demand = await Demand.get(ap_id=ap_id)
        poll = await Poll.get(post_id=demand.post_id)
        cosigners = (
            await DemandCosigner.filter(demand_id=demand.id).order_by("id").values_list("group_ap_id", flat=True)
        )
    return poll.voters_count, list(cosigners), str(demand.status)


async def test_a_demand_gathers_support_across_three_instances_and_mastodon(network, aiohttp_server) -> None:
    drivers, coworking, coaching = network
    fake = await start_fake_remote(aiohttp_server, usernames=("mo",))
    ana = await member(drivers, "ana")
    bea = await member(coworking, "bea")
    admin = await member(coworking, "root", AccountRole.ADMIN)

    # Given the drivers' demand, published and delivered to the allied collectives
    demand = await publish(drivers)
    await drain(drivers, coworking, coaching)
    for instance in (coworking, coaching):
        assert await shown(instance, demand.ap_id) == (0, [], "open")

    # When ana supports it here, bea from the coworking space (listed by name), and the coworking admin co-signs
    with drivers.db.active():
        await demands.support(demand, ana, is_named=True)
    with coworking.db.active():
        copy = await Demand.get(ap_id=demand.ap_id)
        await demands.support(copy, bea, is_named=True)
        await demands.cosign(copy, await get_collective("coworking"), by=admin)
    # And a Mastodon user votes in its poll, as Mastodon does
    status, _ = await fake.post_signed(
        f"{drivers.base_url}/inbox",
        mastodon_vote(fake, "mo", demand.ap_id, "Je soutiens / I support", 1, owner=demand.collective.ap_id),
        as_user="mo",
    )
    assert status == 202
    await drain(drivers, coworking, coaching)

    # Then every instance shows the same count and co-signers, once the Update(Question) arrived
    coworking_group = f"{coworking.base_url}/c/coworking"
    for instance in (drivers, coworking, coaching):
        assert await shown(instance, demand.ap_id) == (3, [coworking_group], "open"), instance.base_url
    # And the drivers list ana and bea by name; the Mastodon vote is counted only
    with drivers.db.active():
        named = await PollVote.filter(poll__post_id=demand.post_id, is_named=True).values_list(
            "voter__ap_id", flat=True
        )
    assert sorted(named) == sorted([ana.ap_id, bea.ap_id])
    # And the Mastodon server got the Update(Question) too: its user voted
    updates = [seen.activity for seen in fake.received if seen.activity["type"] == "Update"]
    assert updates and updates[-1]["object"]["votersCount"] == 3
    assert updates[-1]["object"]["oneOf"][0]["replies"]["totalItems"] == 3

    # When the status moves on, the allies see it too
    with drivers.db.active():
        organiser = await Actor.get(username="orga", is_local=True)
        await demands.change_status(demand, demands.DemandStatus.DELIVERED, by=organiser)
    await drain(drivers, coworking, coaching)
    assert (await shown(coaching, demand.ap_id))[2] == "delivered"


async def test_votes_that_must_not_count_do_not(make_instance, aiohttp_server) -> None:
    drivers = await make_instance("drivers", demand_update_interval=0)
    fake = await start_fake_remote(aiohttp_server, usernames=("mo", "eve"))
    demand = await publish(drivers)
    owner = demand.collective.ap_id
    inbox = f"{drivers.base_url}/inbox"

    async def count() -> int:
        with drivers.db.active():
            return (await Poll.get(post_id=demand.post_id)).voters_count

    async def send(doc: dict, as_user: str = "mo") -> int:
        status, _ = await fake.post_signed(inbox, doc, as_user=as_user)
        await drain(drivers)
        return status

    option = "Je soutiens / I support"
    assert await send(mastodon_vote(fake, "mo", demand.ap_id, option, 1, owner=owner)) == 202
    assert await count() == 1
    # The same vote twice (another activity, the same voter): not counted again
    await send(mastodon_vote(fake, "mo", demand.ap_id, option, 2, owner=owner))
    # A vote for another option name
    await send(mastodon_vote(fake, "eve", demand.ap_id, "Je refuse", 3, owner=owner), as_user="eve")
    # A vote whose signer is not its author: refused by the inbox
    forged = mastodon_vote(fake, "mo", demand.ap_id, option, 4, owner=owner)
    assert await send(forged, as_user="eve") in (401, 403)
    # A vote whose note claims another author than its activity
    stolen = mastodon_vote(fake, "eve", demand.ap_id, option, 5, owner=owner)
    stolen["object"]["attributedTo"] = fake.actor_id("mo")
    await send(stolen, as_user="eve")
    assert await count() == 1
    # A vote from a blocked domain
    with drivers.db.active():
        await policy.set_domain_policy(fake.domain, policy.PolicyKind.BLOCK)
    blocked = await send(mastodon_vote(fake, "eve", demand.ap_id, option, 6, owner=owner), as_user="eve")
    assert blocked == 403
    with drivers.db.active():
        await policy.clear_domain_policy(fake.domain)
    # Before the deadline, a Delete of the vote note takes the vote back
    voter = fake.actor_id("mo")
    delete = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{voter}#votes/1/delete",
        "type": "Delete",
        "actor": voter,
        "to": owner,
        "object": {"id": f"{voter}#votes/1", "type": "Tombstone"},
    }
    assert await send(delete) == 202
    assert await count() == 0
    # A vote after the deadline
    with drivers.db.active():
        await Poll.filter(post_id=demand.post_id).update(expires_at=datetime.now(UTC) - timedelta(minutes=1))
    await send(mastodon_vote(fake, "eve", demand.ap_id, option, 7, owner=owner), as_user="eve")
    assert await count() == 0


async def test_undo_of_a_vote_and_of_a_cosignature_take_them_back(make_instance, aiohttp_server) -> None:
    drivers = await make_instance("drivers", demand_update_interval=0)
    fake = await start_fake_remote(aiohttp_server, usernames=("mo", "eve", "cowork"))
    fake.patch_actor("cowork", type="Group", groupKind="collective")  # another fedaid collective
    demand = await publish(drivers)
    owner = demand.collective.ap_id
    inbox = f"{drivers.base_url}/inbox"

    async def send(doc: dict, as_user: str) -> int:
        status, _ = await fake.post_signed(inbox, doc, as_user=as_user)
        await drain(drivers)
        return status

    async def counted() -> tuple[int, int]:
        with drivers.db.active():
            poll = await Poll.get(post_id=demand.post_id)
            return poll.voters_count, await DemandCosigner.filter(demand_id=demand.id).count()

    def undo(as_user: str, inner: dict, number: int) -> dict:
        actor = fake.actor_id(as_user)
        return {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{actor}#undo/{number}",
                "type": "Undo", "actor": actor, "to": owner, "object": inner}  # fmt: skip

    # Given mo's vote (Mastodon's note) and the coworking Group's endorsement (an Accept of the Question)
    vote = mastodon_vote(fake, "mo", demand.ap_id, "Je soutiens / I support", 1, owner=owner)
    assert await send(vote, "mo") == 202
    group = fake.actor_id("cowork")
    endorsement = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{group}#endorsements/1",
                   "type": "Accept", "actor": group, "to": owner, "object": demand.ap_id}  # fmt: skip
    assert await send(endorsement, "cowork") == 202
    assert await counted() == (1, 1)

    # When someone else undoes mo's vote, nothing changes
    assert await send(undo("eve", {**vote, "actor": fake.actor_id("eve")}, 1), "eve") == 202
    assert await counted() == (1, 1)
    # When mo undoes the Create of the vote, it no longer counts
    assert await send(undo("mo", vote, 2), "mo") == 202
    assert (await counted())[0] == 0
    # When the Group undoes its endorsement, it no longer co-signs
    assert await send(undo("cowork", endorsement, 3), "cowork") == 202
    assert await counted() == (0, 0)
    # And the Question served from now on says so
    async with aiohttp.ClientSession() as client:
        async with client.get(demand.ap_id, headers={"Accept": "application/activity+json"}) as answer:
            question = await answer.json(content_type=None)
    assert question["votersCount"] == 0 and group not in json.dumps(question)


async def test_a_vote_from_an_actor_without_a_username_is_counted(make_instance, aiohttp_server) -> None:
    # Given a published demand, and x7 on a server that gives no preferredUsername and answers no WebFinger
    drivers = await make_instance("drivers", demand_update_interval=0)
    fake = await start_fake_remote(aiohttp_server, usernames=("x7",))
    fake.patch_actor("x7", preferredUsername=None)
    fake.set_webfinger("x7", None)
    demand = await publish(drivers)
    # When x7 votes in the demand's poll as Mastodon does
    vote = mastodon_vote(fake, "x7", demand.ap_id, "Je soutiens / I support", 1, owner=demand.collective.ap_id)
    status, _ = await fake.post_signed(f"{drivers.base_url}/inbox", vote, as_user="x7")
    assert status == 202
    await drain(drivers)
    # Then the vote counts, by x7, named by its id's last segment at its host
    assert (await shown(drivers, demand.ap_id))[0] == 1
    with drivers.db.active():
        [row] = await PollVote.filter(poll__post_id=demand.post_id).prefetch_related("voter")
        assert row.voter.ap_id == fake.actor_id("x7") and row.voter.acct == f"x7@{fake.domain}"


async def test_the_fep_9967_vote_note_sent_in_a_create_counts(make_instance, aiohttp_server) -> None:
    # Given a published demand, and ivy on another server that votes as FEP-9967 shows (fep/fep9967_vote_note.json:
    # a Note with name, inReplyTo and a single `to`, no content), wrapped in the Create the FEP says it is sent in
    drivers = await make_instance("drivers", demand_update_interval=0)
    fake = await start_fake_remote(aiohttp_server, usernames=("ivy",))
    demand = await publish(drivers)
    owner, voter = demand.collective.ap_id, fake.actor_id("ivy")
    note = json.loads((FIXTURES / "fep" / "fep9967_vote_note.json").read_text())
    note.pop("@context")
    note.update(id=fake.url("/votes/1"), attributedTo=voter, inReplyTo=demand.ap_id, to=owner)
    note["name"] = "Je soutiens / I support"
    create = {"@context": "https://www.w3.org/ns/activitystreams", "id": fake.url("/votes/1/activity"),
              "type": "Create", "actor": voter, "to": owner, "object": note}  # fmt: skip
    # When it reaches the drivers' inbox
    status, _ = await fake.post_signed(f"{drivers.base_url}/inbox", create, as_user="ivy")
    assert status == 202
    await drain(drivers)
    # Then it counts once, by ivy, counted only (no listedByName)
    assert (await shown(drivers, demand.ap_id))[0] == 1
    with drivers.db.active():
        [row] = await PollVote.filter(poll__post_id=demand.post_id).prefetch_related("voter")
    assert row.voter.ap_id == voter and not row.is_named
