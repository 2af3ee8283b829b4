"""Tests for fedaid/domain/category_sorting.py: admins move proposals out of the general category (#divers)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from mutual_aid_factories import NOW, deliveries, follow, make_local, make_proposal, make_remote

from fedaid.db import Database
from fedaid.domain import audit, category_sorting
from fedaid.domain.categories import ensure_default_categories
from fedaid.domain.proposals import get_proposal
from fedaid.errors import Conflict, Forbidden, InvalidInput
from fedaid.models import Account, AccountRole, Actor, Post, PostTag, Proposal, ProposalStatus


@pytest.fixture
async def people(db: Database) -> tuple[Actor, Actor, Actor]:
    """ana (a member, followed from Mastodon by zoe), root (an admin) and bea (a member)."""
    await ensure_default_categories()
    ana, root, bea = await make_local("ana"), await make_local("root"), await make_local("bea")
    for actor, role in ((ana, AccountRole.MEMBER), (root, AccountRole.ADMIN), (bea, AccountRole.MEMBER)):
        await Account.create(actor=actor, email=f"{actor.username}@example.org", password_hash="x", role=role)
    await follow(await make_remote("zoe", "mastodon.example"), ana)
    return ana, root, bea


async def unsorted(ana: Actor) -> Proposal:
    return await make_proposal(ana, title="Je prête un truc", category="divers")


async def tags_of(proposal: Proposal) -> set[str]:
    return set(await PostTag.filter(post_id=proposal.post_id).values_list("name", flat=True))


async def test_an_admin_moves_a_proposal_out_of_divers_and_followers_get_the_update(people):
    ana, root, _ = people
    proposal = await unsorted(ana)
    assert [p.id for p in await category_sorting.unsorted_proposals()] == [proposal.id]
    created = len(await deliveries())
    # When the admin files it under lending
    await category_sorting.sort_into(proposal, "pret", by=root, now=NOW + timedelta(hours=1))
    # Then it is under lending here, tagged so, out of the list to sort, and in the audit log
    proposal = await get_proposal(proposal.id)
    assert proposal.category == "pret" and "pret" in await tags_of(proposal) and "divers" not in await tags_of(proposal)
    assert await category_sorting.unsorted_proposals() == []
    [action] = await audit.recent_actions()
    assert (action.action, action.actor_id, action.detail) == ("proposal.sort", root.id, "divers → pret")
    # And zoe's server gets an Update from ana, as an edit would, carrying the new category
    [(sender, inbox, update)] = (await deliveries())[created:]
    assert (sender, inbox, update["type"]) == (ana.ap_id, "https://mastodon.example/inbox", "Update")
    assert update["object"]["category"] == "pret"  # fedaid:category in our @context
    assert any(tag.get("name") == "#pret" for tag in update["object"]["tag"])
    post = await Post.get(id=proposal.post_id)
    assert update["object"]["updated"] == post.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_bad_moves_are_refused_and_change_nothing(people):
    ana, root, bea = people
    proposal = await unsorted(ana)
    before = len(await deliveries())
    with pytest.raises(Forbidden):
        await category_sorting.sort_into(proposal, "pret", by=bea)
    for slug in ("", "nope", "divers"):
        with pytest.raises(InvalidInput):
            await category_sorting.sort_into(proposal, slug, by=root)
    sorted_one = await make_proposal(ana, title="Relire un devis", category="communication")
    with pytest.raises(Conflict):
        await category_sorting.sort_into(sorted_one, "pret", by=root)
    assert (await get_proposal(proposal.id)).category == "divers"
    assert (await get_proposal(sorted_one.id)).category == "communication"
    assert len(await deliveries()) == before + 1  # sorted_one's Create only
    assert await audit.recent_actions() == []


async def test_closed_proposals_are_not_listed_to_sort(people):
    ana, _, _ = people
    proposal = await unsorted(ana)
    await Proposal.filter(id=proposal.id).update(status=ProposalStatus.CLOSED)
    assert await category_sorting.unsorted_proposals() == []
