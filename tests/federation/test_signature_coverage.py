"""Signatures must cover the request target, the host, the time and (with a body) the digest, on GET and POST.

Each required part is left out in turn, for draft-cavage and RFC 9421, first through `read_signature`, then
against a running instance: its inbox and its authorized-fetch routes answer 401 with the reason.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import aiohttp
import pytest
from signers import cavage_headers, rfc9421_headers

from fedaid.domain.members import add_member
from fedaid.errors import SignatureError
from fedaid.federation.signatures import read_signature, verify_signature
from fedaid.keys import generate_key_pair

from fakes.remote_instance import start_fake_remote

NOW = datetime(2025, 1, 25, 23, 43, 24, tzinfo=UTC)
URL = "https://aid.example/u/ana/outbox?page=1"
KEY_ID = "https://remote.example/users/bob#main-key"
BODY = b'{"type":"Follow","actor":"https://remote.example/users/bob"}'
AP = "application/activity+json"

CAVAGE_GET = ("(request-target)", "host", "date")
CAVAGE_POST = ("(request-target)", "host", "date", "digest")
RFC9421_GET = ("@method", "@target-uri")
RFC9421_POST = ("@method", "@target-uri", "content-digest")


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return generate_key_pair()


def without(parts: tuple[str, ...], left_out: str) -> tuple[str, ...]:
    return tuple(part for part in parts if part != left_out)


def cavage(keys, method, covered, body=None, url=URL, algorithm="rsa-sha256"):
    return cavage_headers(
        method, url, key_id=KEY_ID, private_pem=keys[0], covered=covered, now=NOW, body=body, algorithm=algorithm
    )


def rfc9421(keys, method, components, body=None, url=URL, with_created=True):
    return rfc9421_headers(
        method,
        url,
        key_id=KEY_ID,
        private_pem=keys[0],
        components=components,
        now=NOW,
        body=body,
        with_created=with_created,
    )


def read_and_verify(method, headers, body, keys, url=URL):
    signed = read_signature(method, url, headers, body, now=NOW)
    verify_signature(signed, keys[1])
    return signed


# --- read_signature ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "covered", "body"),
    [
        ("GET", CAVAGE_GET, None),
        ("GET", (*CAVAGE_GET, "accept"), None),
        ("POST", CAVAGE_POST, BODY),
        ("POST", (*CAVAGE_POST, "content-type"), BODY),
    ],
)
def test_cavage_signature_over_every_required_part_verifies(keys, method, covered, body):
    read_and_verify(method, cavage(keys, method, covered, body), body, keys)


def test_cavage_hs2019_may_sign_created_instead_of_date(keys):
    covered = ("(request-target)", "host", "(created)")
    read_and_verify("GET", cavage(keys, "GET", covered, algorithm="hs2019"), None, keys)


@pytest.mark.parametrize(
    ("left_out", "reason"),
    [("(request-target)", r"\(request-target\)"), ("host", "Host"), ("date", "Date header or \\(created\\)")],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_cavage_signature_missing_a_required_part_is_refused(keys, method, left_out, reason):
    body = BODY if method == "POST" else None
    full = CAVAGE_POST if body else CAVAGE_GET
    headers = cavage(keys, method, without(full, left_out), body)

    with pytest.raises(SignatureError, match=reason):
        read_signature(method, URL, headers, body, now=NOW)


def test_cavage_post_not_signing_the_digest_is_refused(keys):
    headers = cavage(keys, "POST", CAVAGE_GET, BODY)

    with pytest.raises(SignatureError, match="Digest"):
        read_signature("POST", URL, headers, BODY, now=NOW)


def test_cavage_signature_over_host_date_and_digest_only_is_refused_even_with_a_body(keys):
    # Mastodon accepts `digest` in place of `(request-target)`; the digest does not pin the path.
    headers = cavage(keys, "POST", ("host", "date", "digest"), BODY)

    with pytest.raises(SignatureError, match=r"\(request-target\)"):
        read_signature("POST", URL, headers, BODY, now=NOW)


@pytest.mark.parametrize(
    ("method", "components", "body"),
    [
        ("GET", RFC9421_GET, None),
        ("GET", ("@method", "@authority", "@path"), None),
        ("GET", ("@method", "@authority", "@request-target"), None),
        ("POST", RFC9421_POST, BODY),
        ("POST", ("@method", "@authority", "@path", "content-digest"), BODY),
    ],
)
def test_rfc9421_signature_over_every_required_part_verifies(keys, method, components, body):
    read_and_verify(method, rfc9421(keys, method, components, body), body, keys)


@pytest.mark.parametrize(
    ("components", "reason"),
    [
        (("@target-uri",), "@method"),
        (("@method",), "@target-uri"),
        (("@method", "@authority"), "@target-uri"),
        (("@method", "@path"), "@target-uri"),
        (("@method", "host", "@path"), "@target-uri"),
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_rfc9421_signature_missing_the_method_or_target_is_refused(keys, method, components, reason):
    body = BODY if method == "POST" else None
    components = (*components, "content-digest") if body else components

    with pytest.raises(SignatureError, match=reason):
        read_signature(method, URL, rfc9421(keys, method, components, body), body, now=NOW)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_rfc9421_signature_without_created_is_refused(keys, method):
    body = BODY if method == "POST" else None
    headers = rfc9421(keys, method, RFC9421_POST if body else RFC9421_GET, body, with_created=False)

    with pytest.raises(SignatureError, match="created"):
        read_signature(method, URL, headers, body, now=NOW)


def test_rfc9421_post_not_covering_content_digest_is_refused(keys):
    with pytest.raises(SignatureError, match="Content-Digest"):
        read_signature("POST", URL, rfc9421(keys, "POST", RFC9421_GET, BODY), BODY, now=NOW)


# --- against a running instance ----------------------------------------------------------------


async def start_drivers(make_instance, **overrides):
    instance = await make_instance("drivers", **overrides)
    with instance.db.active():
        await add_member(instance.base_url, "ana", email="ana@example.org", password="correct horse battery")
    return instance


async def send(method: str, url: str, headers: dict[str, str], body: bytes | None = None) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.request(method, url, headers=headers, data=body) as answer:
        return answer.status, await answer.text()


def signed_get(fake, url: str, scheme: str, parts: tuple[str, ...]) -> dict[str, str]:
    user, now = fake.users["alice"], datetime.now(UTC)
    if scheme == "cavage":
        return cavage_headers(
            "GET", url, key_id=fake.key_id("alice"), private_pem=user.private_pem, covered=parts, now=now
        )
    return rfc9421_headers(
        "GET", url, key_id=fake.key_id("alice"), private_pem=user.private_pem, components=parts, now=now
    )


@pytest.fixture
async def fake(aiohttp_server):
    return await start_fake_remote(aiohttp_server, usernames=("alice",))


@pytest.mark.parametrize(
    ("scheme", "parts", "reason"),
    [
        ("cavage", ("host", "date", "accept"), "(request-target)"),
        ("cavage", ("(request-target)", "date"), "Host"),
        ("cavage", ("(request-target)", "host"), "Date"),
        ("rfc9421", ("@target-uri",), "@method"),
        ("rfc9421", ("@method", "@authority"), "@target-uri"),
    ],
)
async def test_authorized_fetch_refuses_a_get_signature_missing_a_part_with_the_reason(
    make_instance, fake, scheme, parts, reason
):
    drivers = await start_drivers(make_instance, authorized_fetch=True)
    url = f"{drivers.base_url}/u/ana/outbox"

    status, text = await send("GET", url, signed_get(fake, url, scheme, parts))

    assert status == 401
    assert reason in json.loads(text)["error"]


@pytest.mark.parametrize("scheme", ["cavage", "rfc9421"])
async def test_authorized_fetch_accepts_a_get_signature_over_every_required_part(make_instance, fake, scheme):
    drivers = await start_drivers(make_instance, authorized_fetch=True)
    url = f"{drivers.base_url}/u/ana/outbox"
    parts = (*CAVAGE_GET, "accept") if scheme == "cavage" else RFC9421_GET

    status, _ = await send("GET", url, signed_get(fake, url, scheme, parts))

    assert status == 200


@pytest.mark.parametrize("other_path", ["/u/ana", "/c/drivers", "/u/ana/followers", "/c/drivers/following"])
async def test_a_path_less_signature_replayed_to_other_paths_is_refused(make_instance, fake, other_path):
    # Given a GET to /u/ana/outbox signed over `host date accept` (the path left out)
    drivers = await start_drivers(make_instance, authorized_fetch=True)
    headers = signed_get(fake, f"{drivers.base_url}/u/ana/outbox", "cavage", ("host", "date", "accept"))

    # When the same headers are sent to another path
    status, text = await send("GET", drivers.base_url + other_path, headers)

    # Then the signature does not count
    assert status == 401
    assert "(request-target)" in json.loads(text)["error"]


@pytest.mark.parametrize("other_path", ["/u/ana", "/u/ana/followers", "/u/ana/outbox"])
async def test_a_full_signature_replayed_to_other_paths_does_not_verify(make_instance, fake, other_path):
    drivers = await start_drivers(make_instance, authorized_fetch=True)
    url = f"{drivers.base_url}/u/ana/outbox?page=1"
    headers = signed_get(fake, url, "cavage", (*CAVAGE_GET, "accept"))
    assert (await send("GET", url, headers))[0] == 200

    status, text = await send("GET", drivers.base_url + other_path, headers)

    assert status == 401
    assert "does not match" in json.loads(text)["error"]


@pytest.mark.parametrize(
    ("scheme", "parts", "reason"),
    [
        ("cavage", ("host", "date", "digest", "content-type"), "(request-target)"),
        ("cavage", ("(request-target)", "date", "digest"), "Host"),
        ("cavage", ("(request-target)", "host", "digest"), "Date"),
        ("cavage", ("(request-target)", "host", "date"), "Digest"),
        ("rfc9421", ("@target-uri", "content-digest"), "@method"),
        ("rfc9421", ("@method", "content-digest"), "@target-uri"),
        ("rfc9421", ("@method", "@target-uri"), "Content-Digest"),
    ],
)
async def test_inbox_refuses_a_post_signature_missing_a_part_with_the_reason(
    make_instance, fake, scheme, parts, reason
):
    drivers = await start_drivers(make_instance)
    url = f"{drivers.base_url}/u/ana/inbox"
    activity = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": fake.url("/follows/1"),
        "type": "Follow",
        "actor": fake.actor_id("alice"),
        "object": f"{drivers.base_url}/u/ana",
    }
    body = json.dumps(activity).encode()
    user, now = fake.users["alice"], datetime.now(UTC)
    if scheme == "cavage":
        headers = cavage_headers(
            "POST", url, key_id=fake.key_id("alice"), private_pem=user.private_pem, covered=parts, now=now, body=body
        )
    else:
        headers = rfc9421_headers(
            "POST", url, key_id=fake.key_id("alice"), private_pem=user.private_pem, components=parts, now=now, body=body
        )

    status, text = await send("POST", url, headers, body)

    assert status == 401
    assert reason in json.loads(text)["error"]
