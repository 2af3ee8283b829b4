"""Tests for fedaid/federation/remote_actors.py against fake Mastodon and GoToSocial servers on 127.0.0.1.

Every GET we make is signed as our instance actor, and the fakes check those signatures with httpsig.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from aiohttp import web

from fedaid.db import Database
from fedaid.errors import FetchError, Gone, InvalidInput, NotFound, SignatureError
from fedaid.federation.accts import parse_acct
from fedaid.federation.fetch import Fetcher, GetSigner
from fedaid.federation.remote_actors import RemoteActors
from fedaid.federation.signatures import sign_request
from fedaid.keys import generate_key_pair
from fedaid.models import Actor, ActorType

from fakes.remote_instance import AS, SECURITY, FakeRemoteInstance, start_fake_remote

LOCAL = "aid.test"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def sign_as(actor: Actor) -> GetSigner:
    """Sign GETs as `actor`, the way production signs them as the instance actor (AUTHORIZED_FETCH)."""

    def sign(method: str, url: str, headers: dict[str, str]) -> dict[str, str]:
        return sign_request(
            method, url, key_id=actor.key_id, private_key_pem=actor.private_key_pem, accept=headers.get("Accept")
        )

    return sign


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def instance_actor(db: Database) -> Actor:
    private_pem, public_pem = generate_key_pair()
    return await Actor.create(
        ap_id=f"https://{LOCAL}/actor",
        type=ActorType.APPLICATION,
        username=LOCAL,
        domain=LOCAL,
        is_local=True,
        inbox=f"https://{LOCAL}/actor/inbox",
        key_id=f"https://{LOCAL}/actor#main-key",
        public_key_pem=public_pem,
        private_key_pem=private_pem,
    )


@pytest.fixture
async def fetcher(instance_actor: Actor) -> AsyncIterator[Fetcher]:
    async with Fetcher(
        allow_private_addresses=True, allow_http=True, user_agent="fedaid-test", sign=sign_as(instance_actor)
    ) as fetcher:
        yield fetcher


@pytest.fixture
def actors(fetcher: Fetcher, clock: Clock) -> RemoteActors:
    return RemoteActors(fetcher, local_domain=LOCAL, clock=clock)


@pytest.fixture
def start_remote(aiohttp_server, instance_actor: Actor):
    """Start a fake server that knows our instance actor's key."""

    async def start(**options) -> FakeRemoteInstance:
        fake = await start_fake_remote(aiohttp_server, **options)
        fake.trust_key(instance_actor.key_id, instance_actor.public_key_pem)
        return fake

    return start


@pytest.fixture
async def mastodon(start_remote) -> FakeRemoteInstance:
    return await start_remote(usernames=("alice", "bob"))


@pytest.fixture
async def gotosocial(start_remote) -> FakeRemoteInstance:
    return await start_remote(software="gotosocial")


@pytest.fixture
async def our_inbox(aiohttp_server, actors: RemoteActors, db: Database) -> str:
    """Our side: an inbox URL that answers 202 with the verified signer's id, or 401 with the reason."""

    async def receive(request: web.Request) -> web.Response:
        body = await request.read()
        with db.active():
            try:
                signer = await actors.verify_request(
                    request.method, f"http://{request.host}{request.raw_path}", request.headers, body
                )
            except SignatureError as err:
                return web.Response(status=401, text=str(err))
        return web.Response(status=202, text=signer.ap_id)

    app = web.Application()
    app.router.add_post("/inbox", receive)
    return str((await aiohttp_server(app)).make_url("/inbox"))


def follow(fake: FakeRemoteInstance, name: str = "alice") -> dict:
    actor = fake.actor_id(name)
    return {
        "@context": AS,
        "id": f"{actor}#follows/1",
        "type": "Follow",
        "actor": actor,
        "object": f"https://{LOCAL}/c/collective",
    }


# --- parse_acct --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["alice@Example.ORG", "@alice@example.org", "acct:alice@example.org", " alice@example.org "]
)
def test_parse_acct_reads_the_three_spellings(text):
    assert parse_acct(text) == ("alice", "example.org")


def test_parse_acct_keeps_the_port():
    assert parse_acct("alice@127.0.0.1:8080") == ("alice", "127.0.0.1:8080")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "alice",
        "@alice",
        "alice@",
        "@@example.org",
        "a@b@c",
        "alice@exa mple.org",
        "alice@example.org/path",
        "alice@example.org:port",
        "https://example.org/@alice",
    ],
)
def test_parse_acct_refuses_malformed_addresses(text):
    with pytest.raises(InvalidInput, match="is not an address like name@example.org"):
        parse_acct(text)


# --- WebFinger resolution ----------------------------------------------------------------------


async def test_resolve_acct_finds_the_actor_and_stores_it(actors, mastodon, instance_actor, clock):
    actor = await actors.resolve_acct(f"@{mastodon.acct('alice')}")

    stored = await Actor.get(ap_id=mastodon.actor_id("alice"))
    assert actor.id == stored.id
    assert (stored.username, stored.domain, stored.type, stored.is_local) == (
        "alice",
        mastodon.domain,
        ActorType.PERSON,
        False,
    )
    assert stored.inbox == mastodon.url("/users/alice/inbox")
    assert stored.shared_inbox == mastodon.url("/inbox")
    assert stored.followers_url == mastodon.url("/users/alice/followers")
    assert stored.url == mastodon.url("/@alice")
    assert stored.icon_url == mastodon.url("/avatars/alice.png")
    assert (stored.name, stored.summary) == ("Alice", "<p>alice helps with gardening.</p>")
    assert stored.key_id == mastodon.key_id("alice") == f"{stored.ap_id}#main-key"
    assert stored.public_key_pem == mastodon.users["alice"].public_pem
    assert stored.fetched_at == clock.now and stored.deleted_at is None


async def test_actor_fetches_are_signed_by_the_instance_actor(actors, mastodon, instance_actor):
    await actors.resolve_acct(f"alice@{mastodon.domain}")

    actor_gets = [seen for seen in mastodon.requests if seen.path == "/users/alice"]
    webfinger_gets = [seen for seen in mastodon.requests if seen.path.startswith("/.well-known/webfinger")]
    assert actor_gets and all(seen.key_id == instance_actor.key_id and seen.verified for seen in actor_gets)
    assert webfinger_gets and all(seen.key_id is None for seen in webfinger_gets)


async def test_resolve_acct_of_the_local_domain_reads_the_database(actors, instance_actor, mastodon):
    assert (await actors.resolve_acct(f"{LOCAL}@{LOCAL}")).id == instance_actor.id
    with pytest.raises(NotFound):
        await actors.resolve_acct(f"nobody@{LOCAL}")
    assert mastodon.requests == []


async def test_resolve_acct_of_an_unknown_account_is_not_found(actors, mastodon):
    with pytest.raises(NotFound, match=f"no account nobody@{mastodon.domain}"):
        await actors.resolve_acct(f"nobody@{mastodon.domain}")


async def test_resolve_acct_refuses_an_actor_whose_own_webfinger_names_another(actors, mastodon):
    # Given "mallory" points at an actor calling itself alice, while WebFinger for alice names the real alice
    mastodon.add_user("impostor", preferred_username="alice")
    mastodon.set_webfinger("mallory", mastodon.jrd("mallory", mastodon.actor_id("impostor")))

    # When / Then
    with pytest.raises(FetchError, match="does not point back to .*/users/impostor"):
        await actors.resolve_acct(f"mallory@{mastodon.domain}")
    assert not await Actor.exists(ap_id=mastodon.actor_id("impostor"))


@pytest.mark.parametrize("answer", ["another actor", "404"])
async def test_resolve_acct_refuses_a_claim_on_an_actor_of_a_server_that_does_not_confirm_it(
    actors, mastodon, start_remote, answer
):
    # Given eve@A names bob on server B, but B's WebFinger for bob names someone else, or no one
    other = await start_remote(usernames=("bob", "carol"))
    mastodon.set_webfinger("eve", mastodon.jrd("eve", other.actor_id("bob")))
    other.set_webfinger("bob", other.jrd("bob", other.actor_id("carol")) if answer == "another actor" else None)

    with pytest.raises(FetchError, match="does not point back" if answer == "another actor" else "does not confirm"):
        await actors.resolve_acct(f"eve@{mastodon.domain}")
    assert not await Actor.exists(ap_id=other.actor_id("bob"))


async def test_resolve_acct_follows_one_subject_redirect_for_a_split_domain(actors, mastodon, start_remote):
    # Given alice@A whose actor lives on B, and B's WebFinger redirecting to the subject alice@A
    other = await start_remote(usernames=("alice",))
    split = mastodon.jrd("alice", other.actor_id("alice"))
    mastodon.set_webfinger("alice", split)
    other.set_webfinger("alice", split)

    actor = await actors.resolve_acct(f"alice@{mastodon.domain}")

    assert actor.ap_id == other.actor_id("alice")
    assert (actor.username, actor.domain) == ("alice", other.domain)


async def test_webfinger_self_link_of_another_type_is_ignored(actors, mastodon):
    jrd = mastodon.jrd("alice")
    jrd["links"] = [
        {"rel": "self", "type": "text/html", "href": mastodon.url("/@alice")},
        {
            "rel": "self",
            "type": 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
            "href": mastodon.actor_id("alice"),
        },
    ]
    mastodon.set_webfinger("alice", jrd)

    assert (await actors.resolve_acct(f"alice@{mastodon.domain}")).ap_id == mastodon.actor_id("alice")


async def test_webfinger_with_two_activitypub_self_links_is_refused(actors, mastodon):
    mastodon.set_webfinger("alice", mastodon.jrd("alice", mastodon.actor_id("alice"), mastodon.actor_id("bob")))

    with pytest.raises(FetchError, match="several ActivityPub actors"):
        await actors.resolve_acct(f"alice@{mastodon.domain}")
    assert mastodon.count("GET", "/users/alice") == mastodon.count("GET", "/users/bob") == 0


# --- the cache ---------------------------------------------------------------------------------


async def test_cached_actor_costs_no_request(actors, mastodon):
    await actors.get_actor(mastodon.actor_id("alice"))
    before = len(mastodon.requests)

    actor = await actors.get_actor(mastodon.actor_id("alice"))

    assert actor.username == "alice"
    assert len(mastodon.requests) == before


async def test_actor_is_refetched_once_refresh_after_has_passed(actors, mastodon, clock):
    # Given alice fetched, then renamed on her server
    await actors.get_actor(mastodon.actor_id("alice"))
    mastodon.patch_actor("alice", name="Alice Renamed")

    # When less than a day has passed, the cache answers; after a day, her server does
    clock.advance(hours=23)
    assert (await actors.get_actor(mastodon.actor_id("alice"))).name == "Alice"
    clock.advance(hours=2)
    refreshed = await actors.get_actor(mastodon.actor_id("alice"))

    # Then
    assert refreshed.name == "Alice Renamed" and refreshed.fetched_at == clock.now
    assert (await Actor.get(ap_id=mastodon.actor_id("alice"))).name == "Alice Renamed"
    assert mastodon.count("GET", "/users/alice") == 2
    await actors.get_actor(mastodon.actor_id("alice"), refresh=True)
    assert mastodon.count("GET", "/users/alice") == 3


async def test_stale_actor_is_kept_while_its_server_is_unreachable(actors, mastodon, clock):
    # Given alice fetched two days ago, and her server down now
    alice = mastodon.actor_id("alice")
    await actors.get_actor(alice)
    clock.advance(days=2)
    await mastodon.server.close()

    # When / Then: the stale copy serves plain lookups, but an explicit refresh says what failed
    assert (await actors.get_actor(alice)).username == "alice"
    with pytest.raises(FetchError, match="cannot connect"):
        await actors.get_actor(alice, refresh=True)


async def test_gone_actor_is_marked_deleted(actors, mastodon, clock):
    # Given a known actor deleted on her server
    await actors.get_actor(mastodon.actor_id("alice"))
    mastodon.delete_user("alice")

    # When
    with pytest.raises(Gone):
        await actors.get_actor(mastodon.actor_id("alice"), refresh=True)

    # Then the row says so, and later lookups answer Gone without asking again
    assert (await Actor.get(ap_id=mastodon.actor_id("alice"))).deleted_at == clock.now
    fetches = mastodon.count("GET", "/users/alice")
    with pytest.raises(Gone):
        await actors.get_actor(mastodon.actor_id("alice"))
    with pytest.raises(Gone):
        await actors.owner_of_key(mastodon.key_id("alice"))
    assert mastodon.count("GET", "/users/alice") == fetches


# --- keyId → owner -----------------------------------------------------------------------------


async def test_owner_of_a_mastodon_main_key_is_the_actor_at_the_key_url(actors, mastodon):
    owner = await actors.owner_of_key(mastodon.key_id("alice"))

    assert owner.ap_id == mastodon.actor_id("alice")
    assert owner.public_key_pem == mastodon.users["alice"].public_pem
    assert (await actors.find_by_key_id(mastodon.key_id("alice"))).id == owner.id
    await actors.owner_of_key(mastodon.key_id("alice"))
    assert mastodon.count("GET", "/users/alice") == 1  # once, then from the cache


async def test_owner_of_a_gotosocial_main_key_stub_is_fetched_from_the_stub_owner(actors, gotosocial, instance_actor):
    owner = await actors.owner_of_key(gotosocial.key_id("alice"))

    assert owner.ap_id == gotosocial.actor_id("alice")
    assert owner.key_id == f"{owner.ap_id}/main-key"
    assert owner.shared_inbox is None and owner.delivery_inbox == gotosocial.url("/users/alice/inbox")
    assert gotosocial.count("GET", "/users/alice/main-key") == gotosocial.count("GET", "/users/alice") == 1
    # GoToSocial refuses unsigned GETs: ours were signed and verified
    assert all(seen.verified for seen in gotosocial.requests if seen.path == "/users/alice")


async def test_owner_of_key_refuses_a_key_document_its_owner_does_not_confirm(actors, mastodon):
    # Given a key document claiming alice as owner, while alice's own document names another key
    key_url = mastodon.add_object(
        "/keys/alice",
        {
            "@context": [SECURITY, AS],
            "id": mastodon.url("/keys/alice"),
            "type": "Key",
            "owner": mastodon.actor_id("alice"),
            "publicKeyPem": mastodon.users["alice"].public_pem,
        },
    )

    with pytest.raises(SignatureError, match="does not confirm that the key .*/keys/alice is its own"):
        await actors.owner_of_key(key_url)
    assert await actors.find_by_key_id(key_url) is None


async def test_owner_of_key_refuses_an_actor_holding_another_key(actors, mastodon):
    with pytest.raises(SignatureError, match="does not confirm"):
        await actors.owner_of_key(mastodon.actor_id("alice") + "#other-key")


async def test_owner_of_an_unknown_key_is_not_found(actors, mastodon):
    with pytest.raises(NotFound):
        await actors.owner_of_key(mastodon.url("/users/nobody#main-key"))


# --- verify_request ----------------------------------------------------------------------------


@pytest.mark.parametrize("software", ["mastodon", "gotosocial"])
async def test_verify_request_accepts_a_post_signed_by_httpsig(start_remote, software, our_inbox):
    fake = await start_remote(software=software)

    status, signer = await fake.post_signed(our_inbox, follow(fake))

    assert (status, signer) == (202, fake.actor_id("alice"))


async def test_verify_request_accepts_a_signature_without_content_type(mastodon, our_inbox):
    assert (await mastodon.post_signed(our_inbox, follow(mastodon), sign_content_type=False))[0] == 202


async def test_verify_request_rejects_a_tampered_body(mastodon, our_inbox):
    status, reason = await mastodon.post_signed(our_inbox, follow(mastodon), tamper_body=True)

    assert status == 401 and "Digest" in reason


async def test_verify_request_rejects_a_signature_by_an_unknown_key(mastodon, our_inbox):
    mastodon.add_user("ghost")
    headers, body = mastodon.sign_post(our_inbox, follow(mastodon, "ghost"), as_user="ghost")
    del mastodon.users["ghost"]

    async with aiohttp.ClientSession() as session, session.post(our_inbox, data=body, headers=headers) as response:
        assert response.status == 401
        assert "cannot be found" in await response.text()


async def test_verify_request_refetches_the_signer_once_after_a_key_rotation(mastodon, our_inbox, clock):
    # Given alice's key is known
    assert (await mastodon.post_signed(our_inbox, follow(mastodon)))[0] == 202
    assert mastodon.count("GET", "/users/alice") == 1

    # When her server rotates the key and she signs with the new one, some minutes later
    mastodon.rotate_key("alice")
    clock.advance(minutes=6)
    status, signer = await mastodon.post_signed(our_inbox, follow(mastodon))

    # Then the cached key failed, and one refetch found the new key
    assert (status, signer) == (202, mastodon.actor_id("alice"))
    assert mastodon.count("GET", "/users/alice") == 2
    assert (await Actor.get(ap_id=signer)).public_key_pem == mastodon.users["alice"].public_pem


async def test_verify_request_refetches_at_most_once_per_refetch_interval(mastodon, our_inbox, clock):
    # Given alice's key was fetched just now
    assert (await mastodon.post_signed(our_inbox, follow(mastodon)))[0] == 202
    mastodon.rotate_key("alice")

    # When a signature by her new key arrives within refetch_interval, it fails without a refetch
    clock.advance(minutes=4)
    status, reason = await mastodon.post_signed(our_inbox, follow(mastodon))
    assert status == 401 and reason == f"The signature does not match the key of {mastodon.actor_id('alice')}."
    assert mastodon.count("GET", "/users/alice") == 1

    # Then once the interval has passed, one failure refetches, and later ones do not again
    clock.advance(minutes=2)
    assert (await mastodon.post_signed(our_inbox, follow(mastodon)))[0] == 202
    mastodon.rotate_key("alice")
    clock.advance(minutes=1)
    assert (await mastodon.post_signed(our_inbox, follow(mastodon)))[0] == 401
    assert mastodon.count("GET", "/users/alice") == 2


async def test_known_signer_is_verified_from_memory(actors, mastodon, make_database):
    # Given alice verified once
    url = f"https://{LOCAL}/inbox"
    headers, body = mastodon.sign_post(url, follow(mastodon))
    await actors.verify_request("POST", url, headers, body)

    # When the same key signs again while an empty database is active
    with (await make_database()).active():
        signer = await actors.verify_request("POST", url, headers, body)

    # Then neither the database nor the network was needed
    assert signer.ap_id == mastodon.actor_id("alice")
    assert mastodon.count("GET", "/users/alice") == 1


# --- the fake itself (other tests rely on it) --------------------------------------------------


async def test_fake_inbox_verifies_our_signature_with_httpsig(mastodon, instance_actor):
    inbox = mastodon.url("/users/alice/inbox")
    body = json.dumps(follow(mastodon)).encode()
    wrong_key, _ = generate_key_pair()

    async with aiohttp.ClientSession() as session:
        for private_pem in (instance_actor.private_key_pem, wrong_key):
            headers = sign_request("POST", inbox, key_id=instance_actor.key_id, private_key_pem=private_pem, body=body)
            async with session.post(inbox, data=body, headers=headers) as response:
                await response.read()

    assert [seen.verified for seen in mastodon.received] == [True, False]
    assert mastodon.received[0].activity == follow(mastodon)
    assert mastodon.received[0].key_id == instance_actor.key_id


async def test_fake_fetches_the_key_of_a_signer_it_does_not_know(aiohttp_server, mastodon):
    # Given a signer whose actor document is served by another server
    private_pem, public_pem = generate_key_pair()

    async def serve_actor(request: web.Request) -> web.Response:
        actor_id = f"http://{request.host}/actor"
        key = {"id": f"{actor_id}#main-key", "owner": actor_id, "publicKeyPem": public_pem}
        return web.json_response({"id": actor_id, "type": "Application", "publicKey": key})

    signer_app = web.Application()
    signer_app.router.add_get("/actor", serve_actor)
    actor_id = str((await aiohttp_server(signer_app)).make_url("/actor"))
    inbox = mastodon.url("/inbox")
    body = json.dumps(follow(mastodon)).encode()
    headers = sign_request("POST", inbox, key_id=f"{actor_id}#main-key", private_key_pem=private_pem, body=body)

    async with aiohttp.ClientSession() as session, session.post(inbox, data=body, headers=headers) as response:
        assert response.status == 202
    assert mastodon.received[-1].verified is True
