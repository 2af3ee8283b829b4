"""The visibility matrix: every surface that shows a post answers as the one rule (fedaid/domain/visibility.py).

One world per backend, built once for the module: our instance `aid` (members ana, the author; bea; fol, who
follows ana and rita; men, whom the followers-only, members and direct posts mention), an allied fedaid
instance `ally` (rita posts there, and its posts reach us over real HTTP), and a fake Mastodon server whose
user mo follows our collective. Each audience (public, unlisted, followers, members, direct) has a proposal
from each origin (ana here, rita there), and ana answers her public proposal once per audience.

For each viewer and surface the ids shown are compared with the rule's answer, which is itself checked
against a table written by hand.
"""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web

from fedaid.appkeys import REMOTE_ACTORS
from fedaid.domain import follows, oauth
from fedaid.domain.categories import ensure_default_categories
from fedaid.domain.instance import get_collective
from fedaid.domain.matching import notify_matches
from fedaid.domain.members import add_member
from fedaid.domain.posts import create_post
from fedaid.domain.proposals import ProposalTerms, create_proposal
from fedaid.domain.visibility import ANONYMOUS, Viewer, can_see, is_listed, local_viewer, viewer_for
from fedaid.federation.signatures import sign_request
from fedaid.models import (
    Actor,
    AlertSubscription,
    Favourite,
    Follow,
    FollowState,
    Notification,
    NotificationKind,
    Post,
    Proposal,
    ProposalPurpose,
    Visibility,
)

from fakes.remote_instance import FakeRemoteInstance
from testsupport import BACKENDS, PASSWORD, RunningInstance, drain, drop_database, new_database, start_instance

pytestmark = pytest.mark.asyncio(loop_scope="module")

AP = "application/activity+json"
AUDIENCES = (Visibility.PUBLIC, Visibility.UNLISTED, Visibility.FOLLOWERS, Visibility.MEMBERS, Visibility.DIRECT)
LOCAL_VIEWERS = ("anonymous", "bea", "fol", "men", "ana")  # anonymous, member, follower, mentioned, author
MENTIONING = (Visibility.FOLLOWERS, Visibility.MEMBERS, Visibility.DIRECT)

# What each viewer may see of each audience, by hand: (local post, remote post). ana wrote the local ones.
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


@dataclass
class World:
    aid: RunningInstance
    ally: RunningInstance
    mastodon: FakeRemoteInstance
    posts: list[Post]  # the proposals' posts and ana's answers, as stored by `aid`
    proposal_of: dict[int, int]  # proposal id -> post id
    public_local: Post  # ana's public proposal, which her answers reply to
    answers: list[Post]
    tokens: dict[str, str]
    actors: dict[str, Actor]  # viewers as `aid` knows them
    signers: dict[str, tuple[str, str]]  # remote viewer -> (key id, private key)
    viewers: dict[str, Viewer] = field(default_factory=dict)
    session: aiohttp.ClientSession | None = None


async def _start_fake() -> tuple[FakeRemoteInstance, web.AppRunner]:
    fake = FakeRemoteInstance()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    runner = web.AppRunner(fake.app, access_log=None)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    fake.server = SimpleNamespace(port=sock.getsockname()[1])
    fake.add_user("mo")
    return fake, runner


async def _token(member) -> str:
    app, secret = await oauth.register_app("matrix", ["urn:ietf:wg:oauth:2.0:oob"], "read write", address="127.0.0.1")
    request = await oauth.check_authorization_request(app.client_id, None, "read write", "code")
    code = await oauth.grant_code(request, member.account)
    return (await oauth.exchange_code(app.client_id, secret, code, None)).access_token


def _terms(title: str) -> ProposalTerms:
    return ProposalTerms(
        purpose=ProposalPurpose.REQUEST,
        title=title,
        text=f"{title} matrice #matrice",
        category="design",
        place_name="",
        remote_ok=True,
    )


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=BACKENDS)
async def world(request, tmp_path_factory) -> AsyncIterator[World]:
    tmp = tmp_path_factory.mktemp(f"matrix-{request.param}")
    aid = await start_instance(await new_database(request.param, tmp), tmp / "aid", "aid")
    ally = await start_instance(await new_database(request.param, tmp), tmp / "ally", "ally")
    mastodon, fake_runner = await _start_fake()
    session = aiohttp.ClientSession()
    try:
        yield await _build(aid, ally, mastodon, session)
    finally:
        await session.close()
        await fake_runner.cleanup()
        for instance in (aid, ally):
            await instance.runner.cleanup()
            await drop_database(instance.db)


async def _build(aid: RunningInstance, ally: RunningInstance, mastodon, session) -> World:
    members, tokens = {}, {}
    with aid.db.active():
        await ensure_default_categories()
        for name in ("ana", "bea", "fol", "men"):
            members[name] = await add_member(aid.base_url, name, email=f"{name}@example.org", password=PASSWORD)
            tokens[name] = await _token(members[name])
        for name in ("ana", "bea", "fol", "men"):  # alerts that every proposal of the matrix matches
            await AlertSubscription.create(actor=members[name].actor, category="design")
        ours = await get_collective("aid")
    with ally.db.active():
        await ensure_default_categories()
        rita = (await add_member(ally.base_url, "rita", email="rita@example.org", password=PASSWORD)).actor
        ally_group = await get_collective("ally")
    # Given the alliance, fol following ana and rita, and mo (on Mastodon) following our collective
    with aid.db.active():
        theirs = await aid.app[REMOTE_ACTORS].get_actor(ally_group.ap_id)
        await follows.request_alliance(ours, theirs)
        rita_here = await aid.app[REMOTE_ACTORS].get_actor(rita.ap_id)
        await follows.follow(members["fol"].actor, rita_here)
        await follows.follow(members["fol"].actor, members["ana"].actor)
    follow = {"id": mastodon.url("/follows/mo/1"), "type": "Follow", "actor": mastodon.actor_id("mo")}
    status, _ = await mastodon.post_signed(
        f"{aid.base_url}/inbox",
        {**follow, "object": ours.ap_id, "@context": "https://www.w3.org/ns/activitystreams"},
        as_user="mo",
    )
    assert status == 202
    await drain(aid, ally)
    with ally.db.active():
        await follows.approve_alliance(ally_group, await Actor.get(ap_id=ours.ap_id))
    await drain(aid, ally)
    with aid.db.active():
        assert await Follow.filter(state=FollowState.ACCEPTED).count() == 5  # 2 alliance halves, fol ×2, mo
        men = members["men"].actor
    # When ana posts one proposal per audience here, and rita one there, each mentioning men where it can
    with ally.db.active():
        men_there = await ally.app[REMOTE_ACTORS].get_actor(men.ap_id)
        for audience in AUDIENCES:
            await create_proposal(
                rita,
                _terms(f"rita {audience}"),
                visibility=audience,
                mentions=[men_there] if audience in MENTIONING else [],
            )
    with aid.db.active():
        for audience in AUDIENCES:
            proposal = await create_proposal(
                members["ana"].actor,
                _terms(f"ana {audience}"),
                visibility=audience,
                mentions=[men] if audience in MENTIONING else [],
            )
            if audience == Visibility.PUBLIC:
                public_local = await Post.get(id=proposal.post_id)
        answers = [
            await create_post(
                members["ana"].actor,
                f"Réponse {audience} matrice #matrice",
                visibility=audience,
                in_reply_to=public_local,
                mentions=[men] if audience in MENTIONING else [],
            )
            for audience in AUDIENCES
        ]
    await drain(aid, ally)
    with aid.db.active():
        proposal_of = dict(await Proposal.all().values_list("id", "post_id"))
        posts = list(await Post.filter(id__in=[*proposal_of.values(), *(a.id for a in answers)]).order_by("id"))
        assert len(proposal_of) == 10, "every proposal of rita's reached us"
        for proposal in await Proposal.all():
            await notify_matches(proposal)  # alerts: remote proposals were matched on arrival, again is a no-op
        actors = {name: members[name].actor for name in ("ana", "bea", "fol", "men")}
        for actor in actors.values():  # each viewer favourited everything and was told of everything
            for post in posts:
                await Favourite.create(actor=actor, post=post)
                await Notification.create(
                    recipient=actor, kind=NotificationKind.MENTION, from_actor=rita_here, post=post
                )
        ally_member = await add_member_elsewhere(ally, "ivo")
        world = World(
            aid,
            ally,
            mastodon,
            posts,
            proposal_of,
            public_local,
            answers,
            tokens,
            actors,
            {
                "ally": (ally_member.key_id, ally_member.private_key_pem),
                "mo": (mastodon.key_id("mo"), mastodon.users["mo"].private_pem),
            },
            session=session,
        )
    with aid.db.active():
        world.viewers = {"anonymous": ANONYMOUS, **{name: local_viewer(actor) for name, actor in actors.items()}}
    return world


async def add_member_elsewhere(instance: RunningInstance, name: str) -> Actor:
    with instance.db.active():
        member = await add_member(instance.base_url, name, email=f"{name}@example.org", password=PASSWORD)
    return member.actor


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
    with world.aid.db.active():
        authors = {
            world.actors[viewer].id,
            *await Follow.filter(follower=world.actors[viewer]).values_list("target_id", flat=True),
        }
    home = [post for post in world.posts if post.author_id in authors and post.visibility != Visibility.DIRECT]
    assert ids((await api(world, viewer, "/api/v1/timelines/home", limit=40))[1]) == shown(visible, world, home)
    # favourites and notifications of posts they can no longer see are left out
    assert ids((await api(world, viewer, "/api/v1/favourites", limit=40))[1]) == visible
    told = (await api(world, viewer, "/api/v1/notifications", limit=80, **{"types[]": "mention"}))[1]
    assert {int(n["status"]["id"]) for n in told if n.get("status")} == visible
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
