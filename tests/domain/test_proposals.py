"""Tests for fedaid/domain/proposals.py: offers and requests, their life cycle, and those from elsewhere."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from mutual_aid_factories import NOW, deliveries, follow, make_local, make_proposal, make_remote

from fedaid.activitypub.parse import parse_note
from fedaid.db import Database
from fedaid.domain.categories import ensure_default_categories
from fedaid.domain.proposals import (
    close_proposal,
    delete_proposal,
    edit_proposal,
    get_proposal,
    store_remote_proposal,
)
from fedaid.errors import Conflict, InvalidInput, NotFound
from fedaid.models import Actor, Post, PostTag, Proposal, ProposalPurpose, ProposalStatus, Visibility
from fedaid.models.ids import new_id


@pytest.fixture
async def ana(db: Database) -> Actor:
    await ensure_default_categories()
    return await make_local("ana")


@pytest.fixture
async def collective(db: Database) -> Actor:
    return await make_local("collectif", group=True)


async def test_a_proposal_is_a_post_addressed_to_the_collective_with_its_tags(ana: Actor, collective: Actor) -> None:
    # Given a remote follower of the member
    await follow(await make_remote("bo", "masto.example"), ana)
    # When the member offers help, without naming the collective
    proposal = await make_proposal(ana, tags=["plan"], text="Je relis votre plan #visio")
    # Then the post is addressed to the instance's collective and carries purpose, category and tags
    post = await Post.get(id=proposal.post_id)
    assert post.audience == collective.ap_id and post.is_local
    assert sorted(await PostTag.filter(post=post).values_list("name", flat=True)) == [
        "communication",
        "offre",
        "plan",
        "visio",
    ]
    assert proposal.available_hours == proposal.hours == Decimal("2.00")
    _, inbox, create = (await deliveries())[0]
    assert inbox == "https://masto.example/inbox" and create["type"] == "Create"
    note = create["object"]
    assert note["type"] == "Note" and note["purpose"] == "offer" and note["status"] == "open"
    assert note["content"].startswith("<p>OFFRE · Relire votre plan de communication · 2 h · Lyon ou à distance</p>")


async def test_terms_are_checked(ana: Actor) -> None:
    with pytest.raises(InvalidInput):
        await make_proposal(ana, category="astrologie")
    with pytest.raises(InvalidInput):
        await make_proposal(ana, hours=Decimal(0))
    with pytest.raises(InvalidInput):
        await make_proposal(ana, expires_at=NOW - timedelta(days=1))
    with pytest.raises(InvalidInput):
        await make_proposal(ana, tags=["deux mots"])


async def test_edit_keeps_agreed_hours_and_federates_an_update(ana: Actor) -> None:
    await follow(await make_remote("bo", "masto.example"), ana)
    proposal = await make_proposal(ana, hours=Decimal(4))
    await Proposal.filter(id=proposal.id).update(available_hours=Decimal(1))  # 3 h already agreed
    await proposal.refresh_from_db()
    edited = await edit_proposal(
        proposal,
        by=ana,
        hours=Decimal(5),
        title="Relire et corriger",
        text="Nouveau texte",
        now=NOW + timedelta(hours=1),
    )
    assert (edited.hours, edited.available_hours) == (Decimal("5.00"), Decimal("2.00"))
    update = [a for _, _, a in await deliveries() if a["type"] == "Update"][-1]["object"]
    assert update["name"] == "Relire et corriger" and "Nouveau texte" in update["content"]
    assert update["publishes"]["resourceQuantity"]["hasNumericalValue"] == "5"
    assert update["publishes"]["availableQuantity"]["hasNumericalValue"] == "2"
    with pytest.raises(Conflict):
        await edit_proposal(edited, by=ana, hours=Decimal(2))  # 3 h are already agreed


async def test_close_then_delete(ana: Actor) -> None:
    await follow(await make_remote("bo", "masto.example"), ana)
    proposal = await make_proposal(ana)
    await close_proposal(proposal, by=ana, now=NOW + timedelta(minutes=5))
    assert (await Proposal.get(id=proposal.id)).status == ProposalStatus.CLOSED
    update = [a for _, _, a in await deliveries() if a["type"] == "Update"][-1]
    assert update["object"]["status"] == "closed" and update["object"]["content"].startswith("<p>OFFRE (close)")
    with pytest.raises(Conflict):
        await close_proposal(proposal, by=ana)
    await delete_proposal(proposal, by=ana, now=NOW + timedelta(minutes=6))
    assert [a["type"] for _, _, a in await deliveries()][-1] == "Delete"
    with pytest.raises(NotFound):
        await get_proposal(proposal.id)


async def test_members_only_proposal_is_delivered_to_allied_collectives_only(ana: Actor, collective: Actor) -> None:
    garage = await make_remote("garage", "drivers.example", group=True, mastodon=False)
    await follow(garage, collective)
    await follow(collective, garage)
    await follow(await make_remote("mo", "masto.example"), collective)  # a follower, not an ally
    await make_proposal(ana, visibility=Visibility.MEMBERS)
    sent = [(sender, inbox) for sender, inbox, _ in await deliveries()]
    assert sent == [(ana.ap_id, "https://drivers.example/inbox")]


async def store(doc: dict, author: Actor, **options: object) -> Proposal | None:
    note = parse_note(doc)
    post = await Post.create(
        id=new_id(),
        ap_id=note.ap_id,
        author=author,
        content=note.content,
        published_at=NOW,
        visibility=Visibility(note.visibility),
    )
    return await store_remote_proposal(post, note, **options)


async def test_remote_fep_proposal_is_kept_and_refreshed(ana: Actor) -> None:
    eve = await make_remote("eve", "cowork.example")
    doc = {
        "id": "https://cowork.example/users/eve/statuses/1",
        "type": ["Note", "Proposal"],
        "attributedTo": eve.ap_id,
        "content": "<p>Besoin d'aide</p>",
        "name": "Compta annuelle",
        "purpose": "request",
        "category": "comptabilite",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "publishes": {
            "type": "Intent",
            "action": "deliverService",
            "resourceQuantity": {"hasUnit": "hour", "hasNumericalValue": "3"},
        },
        "tag": [{"type": "Hashtag", "name": "#demande"}, {"type": "Hashtag", "name": "#bilan"}],
    }
    proposal = await store(doc, eve)
    assert proposal is not None and proposal.purpose == ProposalPurpose.REQUEST
    assert (proposal.title, proposal.category, proposal.tags, proposal.hours) == (
        "Compta annuelle",
        "comptabilite",
        ["bilan"],
        Decimal("3.00"),
    )
    # an Update with a new status refreshes the same row
    note = parse_note({**doc, "status": "agreed"})
    again = await store_remote_proposal(await Post.get(ap_id=note.ap_id), note)
    assert again is not None and again.id == proposal.id and again.status == ProposalStatus.AGREED


async def test_mastodon_post_with_hashtag_is_a_proposal_only_when_allowed(ana: Actor, collective: Actor) -> None:
    eve = await make_remote("eve", "masto.example")
    doc = {
        "id": "https://masto.example/users/eve/statuses/2",
        "type": "Note",
        "attributedTo": eve.ap_id,
        "content": "<p>#offre je peux traduire 2 h #traduction</p>",
        "to": [collective.ap_id],
        "tag": [
            {"type": "Hashtag", "name": "#offre"},
            {"type": "Hashtag", "name": "#traduction"},
            {"type": "Mention", "href": collective.ap_id},
        ],
    }
    proposal = await store(doc, eve, collective_ap_id=collective.ap_id, allow_hashtag_proposals=True)
    assert proposal is not None and proposal.category == "traduction" and proposal.hours == Decimal("2.00")
    assert await store({**doc, "id": doc["id"] + "0"}, eve) is None
