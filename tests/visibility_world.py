"""The world of the visibility matrix (tests/test_visibility_matrix.py), built once per backend and module.

Our instance `aid` (members ana, the author; bea; fol, who follows ana and rita; men, whom the followers-only,
members and direct posts mention), an allied fedaid instance `ally` (rita posts there, and its posts reach us over
real HTTP), and a fake Mastodon server whose user mo follows our collective. Each audience (public, unlisted,
followers, members, direct) has a proposal from each origin (ana here, rita there), and ana answers her public
proposal once per audience. Every member listens to the streaming API while the posts are written.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import aiohttp
from aiohttp import web

from fedaid.api.stream_hub import STREAM_HUB
from fedaid.appkeys import REMOTE_ACTORS
from fedaid.clock import utcnow
from fedaid.domain import alliances, follows, oauth
from fedaid.domain.categories import ensure_default_categories
from fedaid.domain.instance import get_collective
from fedaid.domain.matching import notify_matches
from fedaid.domain.members import add_member
from fedaid.domain.posts import create_post
from fedaid.domain.proposals import ProposalTerms, create_proposal
from fedaid.domain.visibility import ANONYMOUS, Viewer, local_viewer
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
from testsupport import PASSWORD, RunningInstance, drain, drop_database, new_database, start_instance, until

AUDIENCES = (Visibility.PUBLIC, Visibility.UNLISTED, Visibility.FOLLOWERS, Visibility.MEMBERS, Visibility.DIRECT)
LOCAL_VIEWERS = ("anonymous", "bea", "fol", "men", "ana")  # anonymous, member, follower, mentioned, author
MENTIONING = (Visibility.FOLLOWERS, Visibility.MEMBERS, Visibility.DIRECT)
STREAMS = ("user", "public", "hashtag")  # what each viewer listens to (anonymous: public and hashtag)


class Stream:
    """One server-sent event stream of `aid`, read in the background into `events` (name, JSON payload)."""

    def __init__(self, session: aiohttp.ClientSession, url: str, token: str | None) -> None:
        self.events: list[tuple[str, dict]] = []
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._task = asyncio.create_task(self._read(session, url, headers))

    async def _read(self, session: aiohttp.ClientSession, url: str, headers: dict[str, str]) -> None:
        async with session.get(url, headers=headers) as response:
            assert response.status == 200, url
            name = None
            async for raw in response.content:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: {") and name:
                    self.events.append((name, json.loads(line[6:])))

    async def close(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)

    def ids(self, event: str) -> set[int]:
        """The ids of the statuses this stream carried in `event`s (a notification's status for notifications)."""
        statuses = [payload if event == "update" else payload.get("status") for name, payload in self.events]
        return {int(s["id"]) for (name, _), s in zip(self.events, statuses, strict=True) if name == event and s}


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
    streams: dict[tuple[str, str], Stream]  # (viewer, stream) -> what `aid` streamed to them
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


@asynccontextmanager
async def open_world(backend: str, tmp: Path) -> AsyncIterator[World]:
    """The matrix's world on `backend`, its servers stopped and databases dropped on leaving."""
    aid = await start_instance(await new_database(backend, tmp), tmp / "aid", "aid")
    ally = await start_instance(await new_database(backend, tmp), tmp / "ally", "ally")
    mastodon, fake_runner = await _start_fake()
    session = aiohttp.ClientSession()
    streams: dict[tuple[str, str], Stream] = {}
    try:
        yield await _build(aid, ally, mastodon, session, streams)
    finally:
        for stream in streams.values():
            await stream.close()
        await session.close()
        await fake_runner.cleanup()
        for instance in (aid, ally):
            await instance.runner.cleanup()
            await drop_database(instance.db)


async def _listen(aid: RunningInstance, session, tokens: dict[str, str], streams: dict) -> None:
    """Every viewer's streams, open before anything is posted; returns once `aid`'s hub holds them all."""
    paths = {
        "user": "/api/v1/streaming/user",
        "public": "/api/v1/streaming/public",
        "hashtag": "/api/v1/streaming/hashtag?tag=matrice",
    }
    for viewer in LOCAL_VIEWERS:
        for name in STREAMS:
            if viewer != "anonymous" or name != "user":
                streams[viewer, name] = Stream(session, aid.base_url + paths[name], tokens.get(viewer))
    hub = aid.app[STREAM_HUB]
    await until(lambda: len(hub.subscriptions) == len(streams), "every viewer listening")


async def _streamed(aid: RunningInstance, streams: dict) -> None:
    """Return once `aid`'s hub has sent what was written until now, and the streams have been quiet a while."""
    hub, written = aid.app[STREAM_HUB], utcnow()
    await until(lambda: hub._since > written, "the stream hub to look past the last write", timeout=30)
    looked = hub._since
    await until(lambda: hub._since > looked, "the stream hub to finish that look", timeout=30)
    count = -1
    while count != (count := sum(len(stream.events) for stream in streams.values())):
        await asyncio.sleep(1.0)


async def _build(aid: RunningInstance, ally: RunningInstance, mastodon, session, streams: dict) -> World:
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
        await alliances.request_alliance(ours, theirs)
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
        await alliances.approve_alliance(ally_group, await Actor.get(ap_id=ours.ap_id))
    await drain(aid, ally)
    with aid.db.active():
        assert await Follow.filter(state=FollowState.ACCEPTED).count() == 5  # 2 alliance halves, fol ×2, mo
        men = members["men"].actor
    await _listen(aid, session, tokens, streams)
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
            streams,
            session=session,
        )
    await _streamed(aid, streams)
    with aid.db.active():
        world.viewers = {"anonymous": ANONYMOUS, **{name: local_viewer(actor) for name, actor in actors.items()}}
    return world


async def add_member_elsewhere(instance: RunningInstance, name: str) -> Actor:
    with instance.db.active():
        member = await add_member(instance.base_url, name, email=f"{name}@example.org", password=PASSWORD)
    return member.actor
