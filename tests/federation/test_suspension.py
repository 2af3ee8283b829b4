"""Suspending a domain, against a fake Mastodon on 127.0.0.1 that verifies signatures with httpsig: the admin sees
the consequences first; the Reject and Undo are queued before the block and still go out; then the domain's posts
and follows are gone, its open agreements cancelled, confirmed exchanges and the ledger kept, and the log says so.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal

from alliance_support import cli
from inbox_support import create, follow, note, remote_actor

from fedaid.appkeys import REMOTE_ACTORS
from fedaid.clock import utcnow
from fedaid.domain import follows
from fedaid.domain.categories import ensure_default_categories
from fedaid.domain.ledger import ledger_of
from fedaid.domain.reports import file_report
from fedaid.models import (
    AccountRole,
    Actor,
    AdminAction,
    Agreement,
    AgreementState,
    Delivery,
    DomainPolicy,
    Exchange,
    Follow,
    FollowState,
    Post,
)

from fakes.remote_instance import start_fake_remote
from testsupport import REPO_ROOT, drain

sys.path.insert(0, str(REPO_ROOT))  # for `tests.web.helpers`, as tests/web/conftest.py does
from tests.domain.mutual_aid_factories import make_proposal  # noqa: E402
from tests.web.helpers import Visitor, make_member  # noqa: E402


async def given_a_domain_we_deal_with(make_instance, aiohttp_server):
    """alice (on the fake) follows our collective and posted here; bea follows bob there; bea has an open
    agreement with alice and a confirmed exchange with her."""
    drivers = await make_instance("drivers")
    fake = await start_fake_remote(aiohttp_server, usernames=("alice", "bob"))
    with drivers.db.active():
        await make_member(drivers.base_url, "ana", role=AccountRole.ADMIN, locale="en")
        bea = (await make_member(drivers.base_url, "bea")).actor
    collective = f"{drivers.base_url}/c/drivers"
    assert (await fake.post_signed(f"{drivers.base_url}/inbox", follow(fake, collective)))[0] == 202
    mention = {"type": "Mention", "href": bea.ap_id, "name": "@bea"}
    hello = note(fake, 1, "<p>@bea Bonjour</p>", tag=[mention], cc=[bea.ap_id])
    assert (await fake.post_signed(f"{drivers.base_url}/inbox", create(fake, hello)))[0] == 202
    await drain(drivers)
    alice = await remote_actor(drivers, fake.actor_id("alice"))
    with drivers.db.active():
        await ensure_default_categories()
        bob = await drivers.app[REMOTE_ACTORS].get_actor(fake.actor_id("bob"))
        await follows.follow(bea, bob)
        offer = await make_proposal(bea, hours=Decimal(5))
        open_one = await Agreement.create(
            proposal=offer, provider=bea, receiver=alice, hours=Decimal(1), state=AgreementState.OFFERED
        )
        done = await Agreement.create(
            proposal=offer, provider=bea, receiver=alice, hours=Decimal(2), state=AgreementState.FULFILLED
        )
        await Exchange.create(
            agreement=done, hours=Decimal(2), provider_confirmed_at=utcnow(), receiver_confirmed_at=utcnow()
        )
    await drain(drivers)
    return drivers, fake, open_one


async def test_suspending_a_domain_sends_reject_and_undo_first_then_removes_its_posts(make_instance, aiohttp_server):
    drivers, fake, open_one = await given_a_domain_we_deal_with(make_instance, aiohttp_server)
    with drivers.db.active():
        assert await Post.filter(author__domain=fake.domain, deleted_at__isnull=True).count() == 1
        assert await Follow.all().count() == 2
        bea = await Actor.get(username="bea", is_local=True)
        given_before = (await ledger_of(bea)).given
    sent_before = len(fake.received)
    admin = Visitor(drivers.base_url, language="en")
    await admin.sign_in("ana")
    try:
        # When the admin chooses "block" on the federation page
        page = await admin.post(
            "/admin/policies", {"domain": fake.domain, "kind": "block", "reason": "spam"}, from_page="/admin/federation"
        )

        # Then a confirmation page lists what it will do, and nothing is done yet
        assert page.status == 200 and "Suspend" in page
        assert "1 account of" in page and "1 stored post from there is removed" in page
        assert "1 follow of an account there" in page and "1 open agreement" in page
        with drivers.db.active():
            assert not await DomainPolicy.exists()
            assert await Post.filter(author__domain=fake.domain, deleted_at__isnull=True).count() == 1

        # When the admin confirms
        page = await admin.post("/admin/suspensions", {"domain": fake.domain, "reason": "spam"})
        assert page.status == 200 and "is suspended" in page

        # Then the Reject (alice's follow of our collective) and the Undo (bea's follow of bob) were queued
        with drivers.db.active():
            pending = await Delivery.filter(host=fake.domain, state="pending")
            queued = {json.loads(row.payload)["type"] for row in pending}
            assert {"Reject", "Undo"} <= queued
            # and the block took effect: the posts and follows are gone, the agreement cancelled, the exchange kept
            assert await DomainPolicy.filter(domain=fake.domain, kind="block").exists()
            assert await Follow.all().count() == 0
            assert await Post.filter(author__domain=fake.domain, deleted_at__isnull=True).count() == 0
            assert (await Agreement.get(id=open_one.id)).state == AgreementState.CANCELLED
            assert await Exchange.all().count() == 1
            assert (await ledger_of(bea)).given == given_before
            [entry] = await AdminAction.filter(action="domain.suspend").prefetch_related("actor")
            assert entry.target == fake.domain and entry.actor.username == "ana" and "1 post(s) removed" in entry.detail

        # And the worker still sends them, signed, to the now-blocked domain
        await drain(drivers)
        kinds = {seen.activity["type"]: seen for seen in fake.received[sent_before:]}
        assert kinds["Reject"].verified and kinds["Reject"].activity["object"]["actor"] == fake.actor_id("alice")
        assert kinds["Undo"].verified and kinds["Undo"].activity["object"]["object"] == fake.actor_id("bob")

        # And anything more from the domain is refused
        later = note(fake, 2, "<p>Encore</p>")
        assert (await fake.post_signed(f"{drivers.base_url}/inbox", create(fake, later)))[0] == 403

        # And the audit log shows the suspension
        page = await admin.get("/admin/audit")
        assert page.status == 200 and fake.domain in page and "domain.suspend" in page
    finally:
        await admin.close()


async def test_the_cli_suspends_the_same_way(make_instance, aiohttp_server):
    drivers, fake, open_one = await given_a_domain_we_deal_with(make_instance, aiohttp_server)

    dry = await cli(drivers, "domain", "block", fake.domain, "--dry-run")
    assert "stored posts removed (would): 1" in dry
    with drivers.db.active():
        assert not await DomainPolicy.exists()

    out = await cli(drivers, "domain", "block", fake.domain, "--reason", "spam")
    assert "stored posts removed (did): 1" in out
    await drain(drivers)
    assert {"Reject", "Undo"} <= {seen.activity["type"] for seen in fake.received if seen.verified}
    with drivers.db.active():
        assert await Post.filter(author__domain=fake.domain, deleted_at__isnull=True).count() == 0
        assert await Follow.filter(state=FollowState.ACCEPTED).count() == 0
        assert (await AdminAction.get(action="domain.suspend")).actor_id is None  # the command line


async def test_suspending_one_account_from_a_report_cuts_it_off_and_spares_its_domain(make_instance, aiohttp_server):
    drivers, fake, open_one = await given_a_domain_we_deal_with(make_instance, aiohttp_server)
    with drivers.db.active():
        bea = await Actor.get(username="bea", is_local=True)
        alice = await Actor.get(ap_id=fake.actor_id("alice"))
        report = await file_report(
            bea, alice, post_ids=[], comment="Pub", category="spam", forward=False, base_url=drivers.base_url
        )
    sent_before = len(fake.received)
    admin = Visitor(drivers.base_url, language="en")
    await admin.sign_in("ana")
    try:
        page = await admin.get("/admin/reports")
        assert "Suspend this account" in page and "Silence this account" in page
        await admin.post(f"/admin/reports/{report.id}/suspend-account", {})
    finally:
        await admin.close()
    await drain(drivers)

    # alice's follow of our collective got a Reject, signed; bea's follow of bob (same domain) stays
    [reject] = [seen for seen in fake.received[sent_before:] if seen.activity["type"] == "Reject"]
    assert reject.verified and reject.activity["object"]["actor"] == fake.actor_id("alice")
    with drivers.db.active():
        assert await Follow.filter(follower__username="bea").count() == 1
        assert await Post.filter(author_id=alice.id, deleted_at__isnull=True).count() == 0
        assert (await Agreement.get(id=open_one.id)).state == AgreementState.CANCELLED
        assert not await DomainPolicy.exists()
    # and what she sends later is acknowledged but not kept
    later = note(fake, 3, "<p>@bea Re-bonjour</p>", cc=[bea.ap_id])
    assert (await fake.post_signed(f"{drivers.base_url}/inbox", create(fake, later)))[0] == 202
    await drain(drivers)
    with drivers.db.active():
        assert not await Post.filter(ap_id=later["id"]).exists()
        assert (await AdminAction.get(action="account.suspend")).target == f"@{alice.acct}"
