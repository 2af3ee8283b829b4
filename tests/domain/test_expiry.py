"""Tests for fedaid/domain/expiry.py: open proposals past their date expire, and peers hear of it."""

from __future__ import annotations

from datetime import timedelta

from mutual_aid_factories import NOW, deliveries, follow, make_local, make_proposal, make_remote

from fedaid.db import Database
from fedaid.domain.categories import ensure_default_categories
from fedaid.domain.expiry import ExpiryTimer, expire_due
from fedaid.domain.proposals import close_proposal
from fedaid.models import Post, Proposal, ProposalPurpose, ProposalStatus
from fedaid.models.ids import new_id


async def test_due_proposals_expire_once_and_the_change_is_federated(db: Database) -> None:
    # Given a member followed from Mastodon, with proposals expiring tomorrow, next week, and a closed one
    await ensure_default_categories()
    ana = await make_local("ana")
    await follow(await make_remote("mo", "masto.example"), ana)
    soon = await make_proposal(ana, expires_at=NOW + timedelta(days=1))
    later = await make_proposal(ana, expires_at=NOW + timedelta(days=7))
    closed = await make_proposal(ana, expires_at=NOW + timedelta(days=1))
    await close_proposal(closed, by=ana, now=NOW)
    # and a remote proposal past its date
    dan = await make_remote("dan", "drivers.example", mastodon=False)
    remote_post = await Post.create(id=new_id(), ap_id=f"{dan.ap_id}/posts/1", author=dan, published_at=NOW)
    remote = await Proposal.create(
        post=remote_post, purpose=ProposalPurpose.OFFER, title="x", expires_at=NOW + timedelta(hours=1)
    )
    # When the worker runs two days later, twice
    two_days_later = NOW + timedelta(days=2)
    assert await expire_due(two_days_later) == 2
    assert await expire_due(two_days_later) == 0
    # Then only the due open proposals expired
    statuses = {p.id: p.status for p in await Proposal.all()}
    assert statuses == {
        soon.id: ProposalStatus.EXPIRED,
        later.id: ProposalStatus.OPEN,
        closed.id: ProposalStatus.CLOSED,
        remote.id: ProposalStatus.EXPIRED,
    }
    # and our member's followers got an Update(Note) saying so; nothing was sent for the remote one
    update = [a for _, _, a in await deliveries() if a["type"] == "Update"][-1]
    assert update["object"]["id"] == (await Post.get(id=soon.post_id)).ap_id
    assert update["object"]["status"] == "expired" and update["object"]["updated"] == "2026-03-04T09:30:00Z"
    assert update["object"]["content"].startswith("<p>OFFRE (expirée) · ")
    assert all(sender != dan.ap_id for sender, _, _ in await deliveries())


async def test_the_workers_timer_runs_expiry_once_a_minute_and_again_at_once_after_a_full_batch(db: Database) -> None:
    # Given three proposals past their date, and a timer expiring two per run
    await ensure_default_categories()
    ana = await make_local("ana")
    for _ in range(3):
        await make_proposal(ana, expires_at=NOW + timedelta(hours=1))
    moment = [NOW + timedelta(days=1)]
    timer = ExpiryTimer(timedelta(minutes=1), clock=lambda: moment[0], batch=2)
    # When the worker's passes follow each other
    first, second, third = await timer.run_once(), await timer.run_once(), await timer.run_once()
    # Then a full batch is followed at once by the rest, then nothing until a minute has passed
    assert (first, second, third) == (2, 1, 0)
    await make_proposal(ana, expires_at=NOW + timedelta(hours=2))
    moment[0] += timedelta(seconds=59)
    assert await timer.run_once() == 0
    moment[0] += timedelta(seconds=1)
    assert await timer.run_once() == 1
