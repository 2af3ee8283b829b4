"""The visibility matrix: every surface that shows a post answers as the one rule (fedaid/domain/visibility.py).

The world (tests/visibility_world.py) is built once per backend for the module: members of our instance, an
allied fedaid instance, a Mastodon follower of our collective, and one post per audience and origin, written while
every member listened to the streaming API. For each viewer and surface the ids shown are compared with the rule's
answer, which is itself checked against a table written by hand.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from visibility_world import LOCAL_VIEWERS, World, open_world

from fedaid.appkeys import REMOTE_ACTORS
from fedaid.domain.visibility import can_see, is_listed, viewer_for
from fedaid.federation.signatures import sign_request
from fedaid.models import Actor, Follow, Notification, NotificationKind, Post, Visibility

from testsupport import BACKENDS, PASSWORD

pytestmark = pytest.mark.asyncio(loop_scope="module")

AP = "application/activity+json"

EXPECTED = {
    "anonymous": {"public": (1, 1), "unlisted": (1, 1), "followers": (0, 0), "members": (0, 0), "direct": (0, 0)},
    "bea": {"public": (1, 1), "unlisted": (1, 1), "followers": (0, 0), "members": (1, 1), "direct": (0, 0)},
    "fol": {"public": (1, 1), "unlisted": (1, 1), "followers": (1, 1), "members": (1, 1), "direct": (0, 0)},
    "men": {"public": (1, 1), "unlisted": (1, 1), "followers": (1, 1), "members": (1, 1), "direct": (1, 1)},
    "ana": {"public": (1, 1), "unlisted": (1, 1), "followers": (1, 0), "members": (1, 1), "direct": (1, 0)},
    # Signed fetches of our posts: a member of the allied collective, and a Mastodon follower of the collective
    "ally": {
        "public": (1, None),
        "unlisted": (1, None),
        "followers": (0, None),
        "members": (1, None),
        "direct": (0, None),
    },
    "mo": {
        "public": (1, None),
        "unlisted": (1, None),
        "followers": (0, None),
        "members": (0, None),
        "direct": (0, None),
    },
}


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=BACKENDS)
async def world(request, tmp_path_factory) -> AsyncIterator[World]:
    async with open_world(request.param, tmp_path_factory.mktemp(f"matrix-{request.param}")) as built:
        yield built


# --- the rule's answers ------------------------------------------------------------------------------


async def by_rule(world: World, viewer: str, posts: list[Post], *, listed: bool) -> set[int]:
    check = is_listed if listed else can_see
    with world.aid.db.active():
        return {post.id for post in posts if await check(post, world.viewers[viewer])}


def proposals(world: World) -> list[Post]:
    ids = set(world.proposal_of.values())
    return [post for post in world.posts if post.id in ids]


def shown(ids: set[int], world: World, posts: list[Post]) -> set[int]:
    return ids & {post.id for post in posts}


async def test_the_rule_gives_the_hand_written_table(world: World) -> None:
    with world.aid.db.active():
        ally_member = await world.aid.app[REMOTE_ACTORS].get_actor(world.signers["ally"][0].split("#")[0])
        mo = await Actor.get(ap_id=world.mastodon.actor_id("mo"))
        viewers = {**world.viewers, "ally": await viewer_for(ally_member), "mo": await viewer_for(mo)}
        for name, table in EXPECTED.items():
            for post in proposals(world):
                wanted = table[str(post.visibility)][0 if post.is_local else 1]
                if wanted is None:
                    continue
                assert await can_see(post, viewers[name]) is bool(wanted), (name, post.visibility, post.is_local)
                listed = bool(wanted) and post.visibility != Visibility.UNLISTED
                assert await is_listed(post, viewers[name]) is listed, (name, post.visibility, post.is_local)


# --- web pages -----------------------------------------------------------------------------------


async def page(world: World, viewer: str, path: str) -> tuple[int, str]:
    """A page as `viewer` sees it (signed in through the sign-in form, once per viewer and world)."""
    cookies = world.__dict__.setdefault("cookies", {})
    jar = cookies.get(viewer)
    if jar is None:
        jar = cookies[viewer] = aiohttp.CookieJar(unsafe=True)
        if viewer != "anonymous":
            async with aiohttp.ClientSession(cookie_jar=jar) as browser:
                async with browser.get(f"{world.aid.base_url}/signin") as response:
                    token = re.search(r'name="csrf_token" value="([^"]+)"', await response.text())[1]
                form = {"login": viewer, "password": PASSWORD, "csrf_token": token}
                async with browser.post(f"{world.aid.base_url}/signin", data=form) as response:
                    assert "/signout" in await response.text()
    async with aiohttp.ClientSession(cookie_jar=jar, headers={"Accept": "text/html"}) as browser:
        async with browser.get(world.aid.base_url + path, allow_redirects=False) as response:
            return response.status, await response.text()


def cards(world: World, html: str) -> set[int]:
    return {world.proposal_of[int(pid)] for pid in re.findall(r'href="[^"]*/proposals/(\d+)"', html)}


@pytest.mark.parametrize("viewer", LOCAL_VIEWERS)
async def test_web_pages_show_what_the_rule_allows(world: World, viewer: str) -> None:
    listed = await by_rule(world, viewer, world.posts, listed=True)
    visible = await by_rule(world, viewer, world.posts, listed=False)
    ana_proposals = [post for post in proposals(world) if post.author_id == world.actors["ana"].id]
    # home, search and ana's profile list proposals; the feed is for anonymous readers
    assert cards(world, (await page(world, viewer, "/?status=all"))[1]) == shown(listed, world, proposals(world))
    assert cards(world, (await page(world, viewer, "/search?q=matrice"))[1]) == shown(listed, world, proposals(world))
    assert cards(world, (await page(world, viewer, "/u/ana"))[1]) == shown(listed, world, ana_proposals)
    # a proposal's page, and the answers on it
    opened = set()
    for proposal_id, post_id in world.proposal_of.items():
        if (await page(world, viewer, f"/proposals/{proposal_id}"))[0] == 200:
            opened.add(post_id)
    assert opened == shown(visible, world, proposals(world))
    # a post's address (notifications link to it) leads to its page only for those who may see it
    found = {post.id for post in world.posts if (await page(world, viewer, f"/posts/{post.id}"))[0] != 404}
    assert found == visible
    public_page = next(pid for pid, post_id in world.proposal_of.items() if post_id == world.public_local.id)
    _, html = await page(world, viewer, f"/proposals/{public_page}")
    answers = {int(post_id) for post_id in re.findall(r'id="response-(\d+)"', html)}
    assert answers == shown(visible, world, world.answers)


async def test_atom_feeds_list_what_anonymous_readers_may_see(world: World) -> None:
    listed = await by_rule(world, "anonymous", proposals(world), listed=True)
    for path in ("/feed.atom", "/categories/design/feed.atom", "/u/ana/feed.atom"):
        status, xml = await page(world, "anonymous", path)
        wanted = (
            listed
            if path != "/u/ana/feed.atom"
            else {p for p in listed if p in {a.id for a in proposals(world) if a.is_local}}
        )
        assert status == 200 and cards(world, xml) == wanted, path


# --- the client API ------------------------------------------------------------------------------


async def api(world: World, viewer: str, path: str, **params: Any) -> tuple[int, Any]:
    headers = {} if viewer == "anonymous" else {"Authorization": f"Bearer {world.tokens[viewer]}"}
    async with world.session.get(world.aid.base_url + path, params=params, headers=headers) as response:
        return response.status, await response.json(content_type=None)


def ids(statuses: list[dict]) -> set[int]:
    return {int(status["id"]) for status in statuses}


@pytest.mark.parametrize("viewer", LOCAL_VIEWERS)
async def test_the_client_api_shows_what_the_rule_allows(world: World, viewer: str) -> None:
    listed = await by_rule(world, viewer, world.posts, listed=True)
    visible = await by_rule(world, viewer, world.posts, listed=False)
    public = [post for post in world.posts if post.visibility == Visibility.PUBLIC]
    # one status, and the thread of ana's public proposal
    fetched = {post.id for post in world.posts if (await api(world, viewer, f"/api/v1/statuses/{post.id}"))[0] == 200}
    assert fetched == visible
    _, thread = await api(world, viewer, f"/api/v1/statuses/{world.public_local.id}/context")
    assert ids(thread["descendants"]) == shown(visible, world, world.answers)
    # public and tag timelines hold public posts; full-text search is for members
    assert ids((await api(world, viewer, "/api/v1/timelines/public", limit=40))[1]) == shown(listed, world, public)
    tagged = (await api(world, viewer, "/api/v1/timelines/tag/matrice", limit=40))[1]
    assert ids(tagged) == shown(listed, world, public)
    found = (await api(world, viewer, "/api/v2/search", q="matrice", type="statuses", limit=40))[1]["statuses"]
    assert ids(found) == (set() if viewer == "anonymous" else listed)
    # an account's statuses: what the viewer may see of them
    for author in ("ana", "rita"):
        with world.aid.db.active():
            actor = await Actor.get(username=author)
        own = [post for post in world.posts if post.author_id == actor.id]
        statuses = (await api(world, viewer, f"/api/v1/accounts/{actor.id}/statuses", limit=40))[1]
        assert ids(statuses) == shown(visible, world, own), author
    # the fedaid API lists proposals, and shows one
    listing = (await api(world, viewer, "/api/fedaid/v1/proposals", limit=40))[1]
    assert ids(listing) == shown(listed, world, proposals(world))
    one = {p.id for p in proposals(world) if (await api(world, viewer, f"/api/fedaid/v1/proposals/{p.id}"))[0] == 200}
    assert one == shown(visible, world, proposals(world))


@pytest.mark.parametrize("viewer", LOCAL_VIEWERS[1:])
async def test_a_members_own_lists_show_what_the_rule_allows(world: World, viewer: str) -> None:
    visible = await by_rule(world, viewer, world.posts, listed=False)
    # home: their own posts and those of whom they follow, direct ones left out
    home = await home_posts(world, viewer)
    assert ids((await api(world, viewer, "/api/v1/timelines/home", limit=40))[1]) == shown(visible, world, home)
    # favourites and notifications of posts they can no longer see are left out
    assert ids((await api(world, viewer, "/api/v1/favourites", limit=40))[1]) == visible
    told = (await api(world, viewer, "/api/v1/notifications", limit=80, **{"types[]": "mention"}))[1]
    assert {int(n["status"]["id"]) for n in told if n.get("status")} == visible
    with world.aid.db.active():
        rows = await Notification.filter(
            recipient=world.actors[viewer], kind=NotificationKind.MENTION, from_actor__username="rita"
        ).values_list("id", "post_id")
    one = {
        post_id for row_id, post_id in rows if (await api(world, viewer, f"/api/v1/notifications/{row_id}"))[0] == 200
    }
    assert one == visible
    _, html = await page(world, viewer, "/notifications")
    assert {int(post_id) for post_id in re.findall(r'href="/posts/(\d+)"', html)} == visible
    # alerts: a new proposal matching an alert is told to those who may see it (never for direct ones)
    with world.aid.db.active():
        matched = set(
            await Notification.filter(recipient=world.actors[viewer], kind=NotificationKind.MATCH).values_list(
                "post_id", flat=True
            )
        )
    alertable = [
        p for p in proposals(world) if p.visibility != Visibility.DIRECT and p.author_id != world.actors[viewer].id
    ]
    assert matched == shown(visible, world, alertable)


async def home_posts(world: World, viewer: str) -> list[Post]:
    """The posts of the world a member's home timeline holds: theirs and those of whom they follow, not direct."""
    with world.aid.db.active():
        authors = {
            world.actors[viewer].id,
            *await Follow.filter(follower=world.actors[viewer]).values_list("target_id", flat=True),
        }
    return [post for post in world.posts if post.author_id in authors and post.visibility != Visibility.DIRECT]


# --- streaming -----------------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", LOCAL_VIEWERS)
async def test_streams_carry_what_the_rule_allows(world: World, viewer: str) -> None:
    listed = await by_rule(world, viewer, world.posts, listed=True)
    visible = await by_rule(world, viewer, world.posts, listed=False)
    public = [post for post in world.posts if post.visibility == Visibility.PUBLIC]
    # public and hashtag streams: the new posts their timelines list
    assert world.streams[viewer, "public"].ids("update") == shown(listed, world, public)
    assert world.streams[viewer, "hashtag"].ids("update") == shown(listed, world, public)
    if viewer == "anonymous":
        return
    # the user stream: what joins their home timeline, direct posts to them, and notifications of posts they may see
    direct = [post for post in world.posts if post.visibility == Visibility.DIRECT]
    home = await home_posts(world, viewer)
    assert world.streams[viewer, "user"].ids("update") == shown(visible, world, home + direct)
    assert world.streams[viewer, "user"].ids("notification") == visible


# --- ActivityPub object routes -------------------------------------------------------------------


async def fetch_as(world: World, signer: str | None, url: str) -> int:
    headers = {"Accept": AP}
    if signer is not None:
        key_id, private_pem = world.signers[signer]
        headers.update(sign_request("GET", url, key_id=key_id, private_key_pem=private_pem, accept=AP))
    async with world.session.get(url, headers=headers) as response:
        await response.read()
        return response.status


@pytest.mark.parametrize("signer", [None, "ally", "mo"])
async def test_object_routes_serve_what_the_rule_allows_the_signer(world: World, signer: str | None) -> None:
    local = [post for post in world.posts if post.is_local]
    served = {post.id for post in local if await fetch_as(world, signer, post.ap_id) == 200}
    with world.aid.db.active():
        actor = None
        if signer is not None:
            actor = await Actor.get(key_id=world.signers[signer][0])
        viewer = await viewer_for(actor)
        assert served == {post.id for post in local if await can_see(post, viewer)}
