"""Reports end to end, against a fake Mastodon on 127.0.0.1 that verifies our signatures with httpsig: a member
reports a post from its page, an admin forwards the report as a Flag from the instance actor (Mastodon's shape)
and resolves it; a Flag from elsewhere lands in the same list, and the admin hides then removes the post (its
Delete federates). Every action is in the audit log.
"""

from __future__ import annotations

import json
import re
import sys

import aiohttp
from inbox_support import create, follow, note

from fedaid.domain.posts import create_post
from fedaid.domain.visibility import ANONYMOUS, can_see, local_viewer
from fedaid.models import AccountRole, Actor, ActorType, AdminAction, Post, Report

from fakes.remote_instance import AS, start_fake_remote
from testsupport import FIXTURES, REPO_ROOT, drain

sys.path.insert(0, str(REPO_ROOT))  # for `tests.web.helpers`, as tests/web/conftest.py does
from tests.web.helpers import Visitor, make_member  # noqa: E402

MASTODON_FLAG = json.loads((FIXTURES / "mastodon" / "flag.json").read_text())
AP = "application/activity+json"


async def test_a_report_is_forwarded_as_a_flag_and_a_received_flag_is_acted_on(make_instance, aiohttp_server):
    drivers = await make_instance("drivers")
    fake = await start_fake_remote(aiohttp_server, usernames=("alice",))
    with drivers.db.active():
        await make_member(drivers.base_url, "ana", role=AccountRole.ADMIN, locale="en")
        bea = (await make_member(drivers.base_url, "bea", locale="en")).actor
    # alice follows bea and writes to her
    assert (await fake.post_signed(f"{drivers.base_url}/inbox", follow(fake, bea.ap_id)))[0] == 202
    mention = {"type": "Mention", "href": bea.ap_id, "name": "@bea"}
    spam = note(fake, 1, "<p>@bea Achetez mes montres</p>", tag=[mention], cc=[bea.ap_id])
    assert (await fake.post_signed(f"{drivers.base_url}/inbox", create(fake, spam)))[0] == 202
    await drain(drivers)
    with drivers.db.active():
        stored = await Post.get(ap_id=spam["id"])
        instance_actor = await Actor.get(is_local=True, type=ActorType.APPLICATION)
    member, admin = Visitor(drivers.base_url, language="en"), Visitor(drivers.base_url, language="en")
    await member.sign_in("bea")
    await admin.sign_in("ana")
    try:
        # When bea reports the post from its report page, asking that alice's server be told
        page = await member.get(f"/report?post={stored.id}")
        assert page.status == 200 and "Achetez" in page and 'name="forward"' in page
        page = await member.post(
            "/report",
            {
                "account": str(stored.author_id),
                "post": str(stored.id),
                "category": "spam",
                "comment": "Pub",
                "forward": "on",
            },
        )
        assert page.status == 200 and "Report sent" in page
        with drivers.db.active():
            report = await Report.get()
        assert (report.category, report.forward, report.post_ap_ids) == ("spam", True, [spam["id"]])

        # Then the admin sees it, and forwards it
        page = await admin.get("/admin/reports")
        assert f'id="report-{report.id}"' in page and f"Forward to {fake.domain}" in page
        page = await admin.post(f"/admin/reports/{report.id}/forward", {})
        assert page.status == 200 and "Forwarded to" not in page  # back on the list
        await drain(drivers)

        # And the fake Mastodon received a Flag from our instance actor, signed, in Mastodon's shape
        [flag] = [seen for seen in fake.received if seen.activity.get("type") == "Flag"]
        assert flag.verified is True and flag.key_id == f"{instance_actor.ap_id}#main-key"
        assert set(flag.activity) == set(MASTODON_FLAG)
        assert flag.activity["actor"] == instance_actor.ap_id
        assert flag.activity["object"] == [fake.actor_id("alice"), spam["id"]]
        assert flag.activity["to"] == fake.actor_id("alice") and flag.activity["content"] == "Pub"
        # and a second forward is refused
        page = await admin.post(f"/admin/reports/{report.id}/forward", {}, from_page="/admin/reports")
        assert page.status == 409 and "already forwarded" in page

        # When the admin resolves it with a note
        page = await admin.post(f"/admin/reports/{report.id}/resolve", {"note": "Transmis"}, from_page="/admin/reports")
        assert page.status == 200
        with drivers.db.active():
            report = await Report.get(id=report.id)
        assert report.resolved_at is not None and report.resolution_note == "Transmis"

        # When alice's server reports one of bea's posts (a Flag, as Mastodon sends it)
        with drivers.db.active():
            bea_post = await create_post(bea, "Montres à vendre, vraiment pas cher")
        incoming = {
            **MASTODON_FLAG,
            "id": fake.url("/reports/7"),
            "actor": fake.actor_id("alice"),
            "object": [bea.ap_id, bea_post.ap_id],
            "to": bea.ap_id,
            "content": "Spam from your member",
        }
        assert (await fake.post_signed(f"{drivers.base_url}/inbox", {"@context": AS, **incoming}))[0] == 202
        await drain(drivers)

        # Then it lands in the same list
        with drivers.db.active():
            received = await Report.get(ap_id=incoming["id"])
        page = await admin.get("/admin/reports")
        assert f'id="report-{received.id}"' in page and "Spam from your member" in page
        assert f"received from {fake.domain}" in page

        # When the admin hides the post: only bea sees it, and its URL no longer serves it
        await admin.post(f"/admin/reports/{received.id}/hide", {"post": str(bea_post.id)})
        with drivers.db.active():
            hidden = await Post.get(id=bea_post.id)
            assert hidden.hidden_at is not None
            assert not await can_see(hidden, ANONYMOUS) and await can_see(hidden, local_viewer(bea))
        async with aiohttp.ClientSession() as session, session.get(bea_post.ap_id, headers={"Accept": AP}) as answer:
            assert answer.status == 404

        # When the admin removes it: it is deleted here and its Delete reaches alice's server, signed
        sent_before = len(fake.received)
        await admin.post(f"/admin/reports/{received.id}/remove", {"post": str(bea_post.id)}, from_page="/admin/reports")
        await drain(drivers)
        with drivers.db.active():
            assert (await Post.get(id=bea_post.id)).deleted_at is not None
        [delete] = [seen for seen in fake.received[sent_before:] if seen.activity["type"] == "Delete"]
        assert delete.verified is True and delete.activity["object"]["id"] == bea_post.ap_id

        # And the audit log lists every action, with who did it
        with drivers.db.active():
            actions = [row.action for row in await AdminAction.all().order_by("id")]
        assert actions == ["report.forward", "report.resolve", "post.hide", "post.remove"]
        page = await admin.get("/admin/audit")
        assert all(action in page for action in actions) and re.search(r"@?ana", page.text)
    finally:
        await member.close()
        await admin.close()


async def test_a_member_cannot_report_a_post_they_cannot_see(make_instance):
    drivers = await make_instance("drivers")
    with drivers.db.active():
        bea = (await make_member(drivers.base_url, "bea")).actor
        await make_member(drivers.base_url, "cy")
        private = await create_post(bea, "Pour mes abonnés seulement", visibility="followers")
    visitor = Visitor(drivers.base_url, language="en")
    await visitor.sign_in("cy")
    try:
        assert (await visitor.get(f"/report?post={private.id}")).status == 404
        page = await visitor.post(
            "/report", {"account": str(bea.id), "post": str(private.id), "category": "spam"}, from_page="/"
        )
        assert page.status == 404
        page = await visitor.post("/report", {"account": str(bea.id), "category": "nonsense"}, from_page="/")
        assert page.status == 400
        with drivers.db.active():
            assert await Report.all().count() == 0
    finally:
        await visitor.close()
