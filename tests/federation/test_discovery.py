"""WebFinger, NodeInfo and actor documents, as another server sees them (issue 2)."""

import json

import aiohttp
import jsonschema
import pytest

from fedaid.domain.leaving import remove_member
from fedaid.domain.members import add_member, get_member
from fedaid.domain.posts import create_post, delete_post

from testsupport import VECTORS

AP = "application/activity+json"
ACTOR_FIELDS = (
    "id",
    "type",
    "preferredUsername",
    "inbox",
    "outbox",
    "followers",
    "following",
    "endpoints",
    "publicKey",
    "manuallyApprovesFollowers",
    "discoverable",
    "published",
    "url",
    "name",
)


@pytest.fixture
async def drivers(make_instance):
    instance = await make_instance("drivers")
    with instance.db.active():
        await add_member(instance.base_url, "ana", email="ana@example.org", password="correct horse battery")
    return instance


async def get(url: str, accept: str = AP, **params) -> tuple[int, dict, dict]:
    async with aiohttp.ClientSession() as session:
        async with session.get(url, headers={"Accept": accept}, params=params) as response:
            text = await response.text()
            body = json.loads(text) if text.startswith(("{", "[")) else {"text": text}
            return response.status, dict(response.headers), body


@pytest.mark.parametrize(
    ("user", "kind", "ap_type"),
    [
        ("ana", "u/ana", "Person"),
        ("drivers", "c/drivers", "Group"),
        (None, "actor", "Application"),
    ],
)
async def test_webfinger_round_trips_to_an_actor_whose_id_is_its_url(drivers, user, kind, ap_type) -> None:
    domain = drivers.settings.domain
    user = user or domain
    status, headers, jrd = await get(
        f"{drivers.base_url}/.well-known/webfinger", accept="application/jrd+json", resource=f"acct:{user}@{domain}"
    )
    assert status == 200
    assert headers["Content-Type"].startswith("application/jrd+json")
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert jrd["subject"] == f"acct:{user}@{domain}"
    selves = [link for link in jrd["links"] if link["rel"] == "self"]
    assert len(selves) == 1 and selves[0]["type"] == AP
    assert selves[0]["href"] == f"{drivers.base_url}/{kind}"

    status, headers, actor = await get(selves[0]["href"])
    assert status == 200 and headers["Content-Type"].startswith(AP)
    assert kind == "actor" or "Accept" in headers["Vary"].split(", ")
    assert actor["id"] == selves[0]["href"]
    assert actor["type"] == ap_type
    for field in ACTOR_FIELDS:
        assert actor.get(field) is not None, field
    assert actor["preferredUsername"] == user
    assert actor["endpoints"]["sharedInbox"] == f"{drivers.base_url}/inbox"
    assert actor["publicKey"]["id"] == f"{actor['id']}#main-key"
    assert actor["publicKey"]["owner"] == actor["id"]
    assert actor["publicKey"]["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert "https://www.w3.org/ns/activitystreams" in actor["@context"]


async def test_actor_url_serves_html_to_people_and_json_to_servers(drivers) -> None:
    status, headers, body = await get(f"{drivers.base_url}/u/ana", accept="text/html")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "Accept" in headers["Vary"].split(", ")
    assert "@ana@" in body["text"]
    status, headers, _ = await get(
        f"{drivers.base_url}/u/ana", accept='application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
    )
    assert status == 200 and headers["Content-Type"].startswith(AP)


async def test_collections_page(drivers) -> None:
    status, _, followers = await get(f"{drivers.base_url}/u/ana/followers")
    assert status == 200 and followers["type"] == "OrderedCollection" and followers["totalItems"] == 0
    status, _, page = await get(followers["first"])
    assert status == 200 and page["type"] == "OrderedCollectionPage" and page["partOf"] == followers["id"]
    status, _, _ = await get(f"{drivers.base_url}/u/ana/outbox", page="x")
    assert status == 400


@pytest.mark.parametrize("version", ["2.0", "2.1"])
async def test_nodeinfo_validates_against_its_schema(drivers, version) -> None:
    status, _, links = await get(f"{drivers.base_url}/.well-known/nodeinfo", accept="application/json")
    assert status == 200
    href = next(link["href"] for link in links["links"] if link["rel"].endswith(version))
    status, headers, doc = await get(href, accept="application/json")
    assert status == 200 and f"schema/{version}#" in headers["Content-Type"]
    schema = json.loads((VECTORS / "nodeinfo" / version / "schema.json").read_text())
    jsonschema.validate(doc, schema)
    assert doc["software"]["name"] == "fedaid"
    assert doc["usage"]["users"]["total"] == 1


async def test_nodeinfo_and_the_client_api_count_the_same_local_posts(drivers) -> None:
    """A deleted post counts in neither (as Mastodon's statuses_count, which a deletion lowers)."""
    with drivers.db.active():
        ana = (await get_member("ana")).actor
        await create_post(ana, "gardée")
        await delete_post(await create_post(ana, "effacée"), by=ana)
    _, _, links = await get(f"{drivers.base_url}/.well-known/nodeinfo", accept="application/json")
    _, _, doc = await get(links["links"][-1]["href"], accept="application/json")
    _, _, instance = await get(f"{drivers.base_url}/api/v1/instance", accept="application/json")
    assert doc["usage"]["localPosts"] == instance["stats"]["status_count"] == 1


@pytest.mark.parametrize(
    ("resource", "status"),
    [
        (None, 400),
        ("", 400),
        ("ana", 400),
        ("acct:ana", 400),
        ("mailto:ana@x", 400),
        ("acct:nobody@{domain}", 404),
        ("acct:ana@elsewhere.example", 404),
    ],
)
async def test_webfinger_bad_input(drivers, resource, status) -> None:
    params = {} if resource is None else {"resource": resource.format(domain=drivers.settings.domain)}
    got, _, body = await get(f"{drivers.base_url}/.well-known/webfinger", accept="application/jrd+json", **params)
    assert got == status
    assert body["error"]


async def test_unknown_actor_is_404_and_removed_member_is_410_with_tombstone(drivers) -> None:
    status, _, _ = await get(f"{drivers.base_url}/u/nobody")
    assert status == 404
    with drivers.db.active():
        await remove_member("ana")
    status, headers, body = await get(f"{drivers.base_url}/u/ana")
    assert status == 410 and body["type"] == "Tombstone" and body["id"] == f"{drivers.base_url}/u/ana"
    status, _, _ = await get(
        f"{drivers.base_url}/.well-known/webfinger",
        accept="application/jrd+json",
        resource=f"acct:ana@{drivers.settings.domain}",
    )
    assert status == 410
