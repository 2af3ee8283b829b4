"""Silenced domains on the pages: their proposals are kept, left out of the lists and feeds, still shown on
their own pages, and still listed for members who follow their authors."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from fedaid.domain import search
from fedaid.domain.categories import ensure_default_categories
from fedaid.domain.listings import ProposalFilters, list_proposals
from fedaid.domain.policy import set_domain_policy
from fedaid.domain.visibility import local_viewer
from fedaid.models import (
    Actor,
    ActorType,
    Follow,
    FollowState,
    PolicyKind,
    Post,
    Proposal,
    ProposalPurpose,
    Visibility,
)
from tests.web.helpers import Visitor, make_member


async def remote_proposal(host: str, username: str, title: str) -> Proposal:
    """A public request by `username@host`, as the inbox worker would have stored it."""
    author = await Actor.create(
        ap_id=f"https://{host}/users/{username}",
        type=ActorType.PERSON,
        username=username,
        domain=host,
        name=username.title(),
        inbox=f"https://{host}/users/{username}/inbox",
    )
    post = await Post.create(
        ap_id=f"https://{host}/users/{username}/statuses/1",
        author=author,
        is_local=False,
        content=f"<p>{title}</p>",
        visibility=Visibility.PUBLIC,
        published_at=datetime.now(UTC),
    )
    proposal = await Proposal.create(
        post=post,
        purpose=ProposalPurpose.REQUEST,
        title=title,
        category="",
        hours=Decimal(2),
        available_hours=Decimal(2),
    )
    post.author = author
    await search.index_post(post, proposal=proposal)
    return proposal


@pytest.fixture(params=("sqlite", "postgres"))
def backend(request: pytest.FixtureRequest) -> str:
    """Both backends here: the lists' filter is a subquery whose SQL differs between them."""
    return request.param


@pytest.fixture
async def instance(make_instance):
    """Proposals from a silenced domain, one of its subdomains and an ordinary domain; Ana follows one author."""
    instance = await make_instance("drivers")
    with instance.db.active():
        await ensure_default_categories()
        ana = await make_member(instance.base_url, "ana")
        await make_member(instance.base_url, "bea")
        instance.loud = await remote_proposal("loud.example", "max", "Cherche un camion demain")
        instance.sub = await remote_proposal("news.loud.example", "lia", "Cherche un vélo cargo")
        instance.fine = await remote_proposal("fine.example", "zoe", "Cherche une remorque")
        await Follow.create(follower=ana.actor, target=await instance.loud.post.author, state=FollowState.ACCEPTED)
        await set_domain_policy("loud.example", PolicyKind.SILENCE, reason="Too many ads")
    return instance


@pytest.fixture
async def visitor(instance):
    visitor = Visitor(instance.base_url)
    yield visitor
    await visitor.close()


async def test_the_home_page_and_feed_leave_out_silenced_domains_and_their_subdomains(instance, visitor):
    # When someone who is not signed in reads the lists
    home = await visitor.get("/")
    feed = await visitor.get("/feed.atom")
    # Then only the ordinary domain's proposal is listed
    for page in (home, feed):
        assert page.status == 200
        assert "Cherche une remorque" in page
        assert "Cherche un camion demain" not in page and "Cherche un vélo cargo" not in page


async def test_a_member_who_does_not_follow_the_author_does_not_see_it_listed(instance, visitor):
    await visitor.sign_in("bea")
    home = await visitor.get("/")
    assert "Cherche une remorque" in home and "Cherche un camion demain" not in home


async def test_a_silenced_proposal_is_kept_and_shown_on_its_own_page(instance, visitor):
    page = await visitor.get(f"/proposals/{instance.loud.id}")
    assert page.status == 200 and "Cherche un camion demain" in page
    with instance.db.active():
        assert await Proposal.filter(id__in=[instance.loud.id, instance.sub.id]).count() == 2


async def test_members_still_see_the_silenced_authors_they_follow(instance):
    with instance.db.active():
        ana = await Actor.get(username="ana", is_local=True)
        bea = await Actor.get(username="bea", is_local=True)
        for_ana = await list_proposals(ProposalFilters(), local_viewer(ana))
        for_bea = await list_proposals(ProposalFilters(), local_viewer(bea))
    assert {card.proposal.id for card in for_ana} == {instance.loud.id, instance.fine.id}
    assert {card.proposal.id for card in for_bea} == {instance.fine.id}


async def test_a_member_following_a_silenced_author_sees_it_on_the_home_page(instance, visitor):
    await visitor.sign_in("ana")
    home = await visitor.get("/")
    assert "Cherche un camion demain" in home and "Cherche un vélo cargo" not in home


async def test_search_leaves_out_silenced_domains_except_for_their_followers(instance, visitor):
    found = await visitor.get("/search?q=cherche")
    assert "Cherche une remorque" in found
    assert "Cherche un camion demain" not in found and "Cherche un vélo cargo" not in found
    await visitor.sign_in("ana")
    found = await visitor.get("/search?q=cherche")
    assert "Cherche un camion demain" in found and "Cherche un vélo cargo" not in found


async def test_lists_are_whole_again_once_the_silence_is_lifted(instance, visitor):
    with instance.db.active():
        await set_domain_policy("loud.example", PolicyKind.ALLOW)
    home = await visitor.get("/")
    assert all(title in home for title in ("Cherche une remorque", "Cherche un camion demain", "Cherche un vélo cargo"))
