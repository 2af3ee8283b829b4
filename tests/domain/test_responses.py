"""Tests for fedaid/domain/responses.py: answers to proposals, from here and from elsewhere."""

from __future__ import annotations

from decimal import Decimal

import pytest
from mutual_aid_factories import NOW, deliveries, make_local, make_proposal, make_remote

from fedaid.activitypub.parse.agreements import parse_agreement_offer
from fedaid.activitypub.proposals import render_offer_agreement
from fedaid.db import Database
from fedaid.domain.categories import ensure_default_categories
from fedaid.domain.proposals import close_proposal
from fedaid.domain.received_agreements import receive_offer
from fedaid.domain.responses import list_responses, record_remote_response, respond
from fedaid.domain.visibility import local_viewer
from fedaid.errors import Conflict, Forbidden
from fedaid.models import (
    Actor,
    Agreement,
    Notification,
    NotificationKind,
    Post,
    Proposal,
    ProposalPurpose,
    Visibility,
)
from fedaid.models.ids import new_id


@pytest.fixture
async def ana(db: Database) -> Actor:
    await ensure_default_categories()
    return await make_local("ana")


async def test_a_members_response_is_a_reply_that_notifies_the_author(ana: Actor) -> None:
    proposal = await make_proposal(ana, visibility=Visibility.UNLISTED)
    bo = await make_local("bo")
    reply = await respond(proposal, bo, "Je suis disponible jeudi", now=NOW)
    post = await Post.get(id=proposal.post_id)
    assert (reply.in_reply_to_id, reply.visibility) == (post.id, Visibility.UNLISTED)
    assert reply.mentions == [ana.ap_id]
    kinds = await Notification.filter(recipient=ana).values_list("kind", flat=True)
    assert kinds == [NotificationKind.RESPONSE]
    assert [p.id for p in await list_responses(proposal, local_viewer(ana))] == [reply.id]


async def test_a_response_to_a_remote_author_is_delivered_to_them(ana: Actor) -> None:
    dan = await make_remote("dan", "drivers.example", mastodon=False)
    remote_post = await Post.create(id=new_id(), ap_id=f"{dan.ap_id}/posts/1", author=dan, published_at=NOW)
    remote = await Proposal.create(post=remote_post, purpose=ProposalPurpose.OFFER, title="Transport")
    await respond(remote, ana, "Intéressée !", now=NOW)
    [(sender, inbox, create)] = await deliveries()
    assert (sender, inbox) == (ana.ap_id, "https://drivers.example/inbox")
    assert create["object"]["inReplyTo"] == remote_post.ap_id and dan.ap_id in create["object"]["cc"]


async def test_closed_proposals_and_own_proposals_take_no_response(ana: Actor) -> None:
    proposal = await make_proposal(ana)
    with pytest.raises(Forbidden):
        await respond(proposal, ana, "moi-même")
    await close_proposal(proposal, by=ana)
    with pytest.raises(Conflict):
        await respond(proposal, await make_local("bo"), "trop tard")


async def test_a_remote_reply_to_a_local_proposal_notifies_once(ana: Actor) -> None:
    proposal = await make_proposal(ana)
    mo = await make_remote("mo", "masto.example")
    post = await Post.get(id=proposal.post_id)
    reply = await Post.create(
        id=new_id(),
        ap_id=f"{mo.ap_id}/statuses/9",
        author=mo,
        in_reply_to=post,
        in_reply_to_ap_id=post.ap_id,
        published_at=NOW,
    )
    assert await record_remote_response(reply) and await record_remote_response(reply)
    assert await Notification.filter(recipient=ana, kind=NotificationKind.RESPONSE).count() == 1
    unrelated = await Post.create(id=new_id(), ap_id=f"{mo.ap_id}/statuses/10", author=mo, published_at=NOW)
    assert not await record_remote_response(unrelated)


@pytest.mark.parametrize("reply_first", [True, False])
async def test_a_peers_reply_and_its_offer_are_linked_whichever_arrives_first(ana: Actor, reply_first: bool) -> None:
    # Given a fedaid peer's member answering ana's proposal with a reply and an Offer(Agreement)
    proposal = await make_proposal(ana)
    post = await Post.get(id=proposal.post_id)
    bob = await make_remote("bob", "cowork.example", mastodon=False)
    offer = parse_agreement_offer(
        render_offer_agreement(
            Agreement(id=1, hours=Decimal(1), offer_activity_id=f"{bob.ap_id}/offers/1"),
            offerer=bob,
            proposal_ap_id=post.ap_id,
            author_ap_id=ana.ap_id,
        )
    )

    async def reply_arrives() -> Post:
        reply = await Post.create(
            id=new_id(),
            ap_id=f"{bob.ap_id}/posts/3",
            author=bob,
            in_reply_to=post,
            in_reply_to_ap_id=post.ap_id,
            published_at=NOW,
        )
        await record_remote_response(reply)
        return reply

    # When they arrive in either order
    if reply_first:
        reply = await reply_arrives()
        agreement = await receive_offer(offer, bob)
    else:
        agreement = await receive_offer(offer, bob)
        reply = await reply_arrives()
    # Then the agreement answers that reply
    assert (await Agreement.get(id=agreement.id)).response_id == reply.id
