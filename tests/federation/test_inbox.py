"""The inbox pipeline (fedaid/federation/inbox.py) as other servers meet it: a real fedaid instance on
127.0.0.1 and a fake Mastodon that signs its POSTs with httpsig.

Every refusal is checked twice: the status the issue names, and that no row was left behind.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from datetime import UTC, datetime, timedelta
from email.utils import formatdate
from urllib.parse import urlsplit

import httpsig
import pytest
from inbox_support import create, follow, follow_remote, note, post_raw, row_counts, start_drivers

from fedaid.domain import policy
from fedaid.models import (
    Follow,
    FollowState,
    InboxItem,
    InboxState,
    PolicyKind,
    Post,
)

from fakes.remote_instance import AS, FakeRemoteInstance, start_fake_remote

AP = "application/activity+json"


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture
async def drivers(make_instance):
    return await start_drivers(make_instance)


@pytest.fixture
async def fake(aiohttp_server) -> FakeRemoteInstance:
    return await start_fake_remote(aiohttp_server, usernames=("alice", "bob"))


@pytest.fixture
def inbox(drivers) -> str:
    return f"{drivers.base_url}/inbox"


# --- what a good activity does -------------------------------------------------------------------


async def test_a_mastodon_follow_of_a_member_gets_a_signed_accept_that_httpsig_verifies(drivers, fake, inbox):
    ana = f"{drivers.base_url}/u/ana"

    status, _ = await fake.post_signed(f"{ana}/inbox", follow(fake, ana))
    assert status == 202
    await drivers.run_worker_once()

    with drivers.db.active():
        row = await Follow.get(ap_id=fake.url("/follows/alice/1"))
        assert row.state == FollowState.ACCEPTED
    [accept] = fake.received
    assert accept.path == "/inbox"  # the shared inbox Mastodon advertises
    assert accept.verified is True and accept.key_id == f"{ana}#main-key"
    assert "content-type" in accept.headers["Signature"]
    doc = accept.activity
    assert doc["type"] == "Accept" and doc["actor"] == ana and doc["id"].startswith(f"{ana}#accepts/follows/")
    assert doc["object"] == {
        "id": fake.url("/follows/alice/1"),
        "type": "Follow",
        "actor": fake.actor_id("alice"),
        "object": ana,
    }


async def test_the_same_activity_twice_is_stored_once(drivers, fake, inbox):
    activity = follow(fake, f"{drivers.base_url}/c/drivers")

    assert (await fake.post_signed(inbox, activity))[0] == 202
    assert (await fake.post_signed(inbox, activity))[0] == 202

    assert (await row_counts(drivers))["InboxItem"] == 1


async def test_concurrent_deliveries_are_all_stored_without_a_5xx(drivers, fake, inbox):
    activities = [
        follow(fake, f"{drivers.base_url}/u/ana", number, user=("alice", "bob")[number % 2]) for number in range(50)
    ]

    statuses = await asyncio.gather(
        *(fake.post_signed(inbox, activity, as_user=activity["actor"].rsplit("/", 1)[1]) for activity in activities)
    )

    assert [status for status, _ in statuses] == [202] * 50
    assert (await row_counts(drivers))["InboxItem"] == 50


async def test_copies_arriving_together_are_stored_once(drivers, fake, inbox):
    activity = follow(fake, f"{drivers.base_url}/u/ana", 7)

    statuses = await asyncio.gather(*(fake.post_signed(inbox, activity) for _ in range(5)))

    assert [status for status, _ in statuses] == [202] * 5
    assert (await row_counts(drivers))["InboxItem"] == 1


async def test_script_and_onerror_in_remote_content_are_removed(drivers, fake, inbox):
    # Given ana follows alice
    await fake.post_signed(inbox, follow(fake, f"{drivers.base_url}/u/ana"))
    await follow_remote(drivers, "ana", fake.actor_id("alice"))
    hostile = (
        '<p>Hi<script>alert(1)</script><img src="https://x.example/a.png" onerror="alert(2)"></p>'
        '<a href="javascript:alert(3)" onclick="alert(4)">x</a>'
    )

    # When alice posts hostile HTML
    status, _ = await fake.post_signed(inbox, create(fake, note(fake, 1, hostile, summary="<b onmouseover=x>cw</b>")))
    assert status == 202
    await drivers.run_worker_once()

    # Then the stored post keeps the text and loses every script
    with drivers.db.active():
        post = await Post.get(ap_id=fake.url("/users/alice/statuses/1"))
    assert "Hi" in post.content
    for bad in ("<script", "alert(1)", "onerror", "onclick", "javascript:", "onmouseover"):
        assert bad not in post.content and bad not in post.summary


async def test_delete_of_an_unknown_actor_is_answered_202_without_any_fetch(drivers, fake, inbox):
    gone = fake.actor_id("carol")  # never seen, and not served
    activity = {
        "@context": AS,
        "id": f"{gone}#delete",
        "type": "Delete",
        "actor": gone,
        "object": gone,
        "to": [f"{AS}#Public"],
    }
    before = await row_counts(drivers)
    requests_before = len(fake.requests)

    status, _ = await fake.post_signed(inbox, activity, as_user="alice")

    assert status == 202
    assert len(fake.requests) == requests_before  # nothing was fetched from the fake
    assert await row_counts(drivers) == before


async def test_an_activity_signed_by_another_actor_is_taken_from_its_origin(drivers, fake, inbox):
    like = {
        "@context": AS,
        "id": fake.url("/likes/1"),
        "type": "Like",
        "actor": fake.actor_id("alice"),
        "object": f"{drivers.base_url}/u/ana/posts/1",
    }
    before = await row_counts(drivers)

    # Signed by bob, and its origin does not serve it: refused
    status, _ = await fake.post_signed(inbox, like, as_user="bob")
    assert status == 403
    assert await row_counts(drivers) == before

    # Once its origin serves the same activity, the fetched copy is accepted
    fake.add_object("/likes/1", like)
    status, _ = await fake.post_signed(inbox, like, as_user="bob")
    assert status == 202
    with drivers.db.active():
        item = await InboxItem.get(activity_id=fake.url("/likes/1"))
    assert item.payload["actor"] == fake.actor_id("alice")

    # A different activity served under that id is refused
    forged = {**like, "id": fake.url("/likes/2"), "object": f"{drivers.base_url}/u/ana/posts/2"}
    fake.add_object("/likes/2", {**forged, "object": f"{drivers.base_url}/u/ana/posts/3"})
    status, _ = await fake.post_signed(inbox, forged, as_user="bob")
    assert status == 403


# --- every bad input: the status named, and no row left behind -----------------------------------


def _resign(headers: dict[str, str]) -> dict[str, str]:
    """The same headers with one character of the signature changed."""
    name = next(k for k in headers if k.lower() == "signature")
    signature = headers[name]
    start = signature.index('signature="') + len('signature="')
    corrupted = signature[:start] + ("A" if signature[start] != "A" else "B") + signature[start + 1 :]
    return {**headers, name: corrupted}


@pytest.mark.parametrize(
    "case",
    [
        "unsigned",
        "wrong_signature",
        "date_two_hours_old",
        "digest_mismatch",
        "object_on_another_host",
        "body_over_cap",
        "json_not_an_object",
        "nesting_1000_deep",
        "blocked_domain",
        "wrong_content_type",
        "unknown_personal_inbox",
    ],
)
async def test_bad_inputs_are_refused_and_leave_no_row(drivers, fake, inbox, case):
    ana = f"{drivers.base_url}/u/ana"
    activity = follow(fake, ana)
    headers, body = fake.sign_post(inbox, activity)
    url, expected = inbox, None
    match case:
        case "unsigned":
            headers = {k: v for k, v in headers.items() if k.lower() != "signature"}
            expected = 401
        case "wrong_signature":
            headers = _resign(headers)
            expected = 401
        case "date_two_hours_old":
            headers, body = fake.sign_post(inbox, activity, date=datetime.now(UTC) - timedelta(hours=2))
            expected = 401
        case "digest_mismatch":
            body = body.replace(b'"Follow"', b'"Follow", "extra": 1')
            expected = 401
        case "object_on_another_host":
            bad = create(fake, note(fake, 1))
            bad["object"]["id"] = "http://127.0.0.2:9/notes/1"
            headers, body = fake.sign_post(inbox, bad)
            expected = 400
        case "body_over_cap":
            big = {**activity, "padding": "x" * (drivers.settings.max_body_bytes + 10)}
            headers, body = fake.sign_post(inbox, big)
            expected = 413
        case "json_not_an_object":
            headers, body = _sign_bytes(fake, inbox, b'[{"type": "Follow"}]')
            expected = 400
        case "nesting_1000_deep":
            headers, body = _sign_bytes(fake, inbox, b'{"a":' * 1000 + b"1" + b"}" * 1000)
            expected = 400
        case "blocked_domain":
            with drivers.db.active():
                await policy.set_domain_policy(fake.domain, PolicyKind.BLOCK)
            expected = 403
        case "wrong_content_type":
            headers = {**headers, "Content-Type": "text/plain"}
            expected = 415
        case "unknown_personal_inbox":
            url = f"{drivers.base_url}/u/nobody/inbox"
            headers, body = fake.sign_post(url, activity)
            expected = 404
    before = await row_counts(drivers)
    requests_before = len(fake.requests)

    assert await post_raw(url, body, headers) == expected

    assert await row_counts(drivers) == before
    if case == "blocked_domain":
        assert len(fake.requests) == requests_before  # not even the key was fetched


def _sign_bytes(fake: FakeRemoteInstance, url: str, body: bytes) -> tuple[dict[str, str], bytes]:
    """Headers signed over an arbitrary body, as a broken or hostile server could send."""
    parts = urlsplit(url)
    headers = {
        "Host": parts.netloc,
        "Date": formatdate(usegmt=True),
        "Content-Type": AP,
        "Digest": "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode(),
    }
    signer = httpsig.HeaderSigner(
        fake.key_id("alice"),
        fake.users["alice"].private_pem,
        algorithm="rsa-sha256",
        headers=["(request-target)", "host", "date", "digest", "content-type"],
    )
    return dict(signer.sign(headers, host=parts.netloc, method="POST", path=parts.path)), body


@pytest.mark.parametrize(
    "content_type", [AP, f"{AP}; charset=utf-8", 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"']
)
async def test_content_types_of_interop_27_are_accepted(drivers, fake, inbox, content_type):
    headers, body = fake.sign_post(inbox, follow(fake, f"{drivers.base_url}/u/ana"), sign_content_type=False)

    assert await post_raw(inbox, body, {**headers, "Content-Type": content_type}) == 202


async def test_a_blocked_domain_stored_before_the_block_is_not_applied(drivers, fake, inbox):
    await fake.post_signed(inbox, follow(fake, f"{drivers.base_url}/u/ana"))
    with drivers.db.active():
        await policy.set_domain_policy(fake.domain, PolicyKind.BLOCK)

    await drivers.run_worker_once()

    with drivers.db.active():
        assert await Follow.all().count() == 0
        assert (await InboxItem.get()).state == InboxState.DONE


async def test_failures_are_kept_on_the_item_and_retried(drivers, fake, inbox):
    # A Create of an id only, which its origin does not serve: the fetch fails
    activity = {
        "@context": AS,
        "id": fake.url("/users/alice/statuses/9/activity"),
        "type": "Create",
        "actor": fake.actor_id("alice"),
        "object": fake.url("/users/alice/statuses/9"),
    }
    assert (await fake.post_signed(inbox, activity))[0] == 202

    await drivers.run_worker_once()

    with drivers.db.active():
        item = await InboxItem.get()
        assert item.state == InboxState.PENDING and item.attempts == 1
        assert "404" in item.last_error
        assert item.next_attempt_at > datetime.now(UTC)
