"""Tests for fedaid/domain/reports.py without the network: a silenced account's posts are kept but left out of
public lists; a hidden post is seen by its author only, by the one visibility rule."""

from __future__ import annotations

from mutual_aid_factories import BASE, make_local, make_remote

from fedaid.db import Database
from fedaid.domain import reports
from fedaid.domain.policy import not_silenced
from fedaid.domain.visibility import ANONYMOUS, can_see, listed_to, local_viewer
from fedaid.models import AdminAction, Post
from tests.api.factories import make_post


async def test_a_silenced_account_stays_but_leaves_public_lists(db: Database) -> None:
    bea, admin = await make_local("bea"), await make_local("ana")
    loud = await make_remote("loud", "masto.example")
    quiet = await make_remote("quiet", "masto.example")
    loud_post, quiet_post = await make_post(loud, "<p>Achetez</p>"), await make_post(quiet, "<p>Bonjour</p>")
    report = await reports.file_report(
        bea, loud, post_ids=[loud_post.id], comment="", category="spam", forward=False, base_url=BASE
    )

    await reports.silence_account(report, by=admin)

    shown = set(await Post.filter(await not_silenced()).values_list("id", flat=True))
    assert shown == {quiet_post.id}
    assert await can_see(await Post.get(id=loud_post.id), local_viewer(bea))  # kept, and still visible
    assert (await AdminAction.get()).action == "account.silence"


async def test_a_hidden_post_is_seen_by_its_author_only(db: Database) -> None:
    bea, cy, admin = await make_local("bea"), await make_local("cy"), await make_local("ana")
    post = await make_post(bea, "<p>Insulte</p>")
    report = await reports.file_report(
        cy, bea, post_ids=[post.id], comment="", category="violation", forward=False, base_url=BASE
    )

    await reports.hide_post(report, post.id, by=admin)

    hidden = await Post.get(id=post.id)
    assert not await can_see(hidden, ANONYMOUS) and not await can_see(hidden, local_viewer(cy))
    assert await can_see(hidden, local_viewer(bea))
    assert not await Post.filter(listed_to(local_viewer(cy)), id=post.id).exists()
    assert await Post.filter(listed_to(local_viewer(bea)), id=post.id).exists()
