"""Every real payload in shared/fixtures/real/ through the parser, and every activity through the inbox.

Each activity is re-hosted on a fake server on 127.0.0.1: its actors become the fake's users (with
keys, so the fake signs the POST as Mastodon does), the other URLs of their servers move to the fake's
origin (so same-origin rules hold), and the URLs naming the receiving side become our collective,
member, posts or follows. Then the real inbox takes it (never a 5xx) and one worker pass applies it;
the ones that should take effect are checked on the database.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html import unescape
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from inbox_support import post_raw, start_drivers

from fedaid.activitypub import parse, questions
from fedaid.activitypub.attachments import parse_attachments, parse_event_attachments
from fedaid.activitypub.parse.events import JoinDoc, is_event, parse_event
from fedaid.activitypub.vocab import ACTIVITY_TYPES, ACTOR_TYPES, COLLECTION_TYPES, POST_TYPES
from fedaid.appkeys import REMOTE_ACTORS
from fedaid.domain import agreements, demands, media, participation, remote_posts
from fedaid.domain.alliances import request_alliance
from fedaid.domain.circles import CircleTerms, create_circle
from fedaid.domain.proposals import ProposalTerms, create_proposal, find_proposal_by_ap_id
from fedaid.domain.sessions import SessionTerms, schedule_session
from fedaid.errors import InvalidActivity, InvalidInput
from fedaid.federation.accts import self_link
from fedaid.models import (
    AccountRole,
    Actor,
    Agreement,
    AgreementState,
    CoachingSession,
    Exchange,
    Favourite,
    Follow,
    FollowState,
    GroupKind,
    InboxItem,
    InboxState,
    Notification,
    NotificationKind,
    Participation,
    ParticipationState,
    Post,
    ProposalPurpose,
    Report,
    Visibility,
)
from fedaid.models.ids import new_id
from fedaid.models.poll import Poll, PollVote

from fakes.remote_instance import start_fake_remote
from testsupport import FIXTURES

ALL_FILES = sorted(str(path.relative_to(FIXTURES)) for path in FIXTURES.rglob("*.json"))
CAPTURE = "mastodon/signed_post_accept_follow_capture.json"


def load(name: str) -> Any:
    doc = json.loads((FIXTURES / name).read_text())
    return json.loads(doc["body_exact"]) if name == CAPTURE else doc


def types_of(doc: dict) -> set[str]:
    return set(parse.as_list(doc.get("type")))


# --- 1. the parser ------------------------------------------------------------------------------


def parse_any(name: str, doc: Any) -> object:
    """The parser that fits the document: activity, actor, key stub, post, collection, tombstone, JRD."""
    if not isinstance(doc, dict):
        raise AssertionError(f"{name} is not a JSON object")
    kinds = types_of(doc)
    if "links" in doc and "subject" in doc:
        return self_link(doc, doc["subject"]) if any(link.get("rel") == "self" for link in doc["links"]) else doc
    if name.startswith("nodeinfo/"):
        return parse.load_json_object(json.dumps(doc).encode())
    if name == "gotosocial/publickey_stub.json":
        return parse.parse_key_document(doc)
    if kinds & ACTIVITY_TYPES and "actor" in doc:
        activity = parse.parse_activity(doc)
        if isinstance(activity.object, dict) and types_of(activity.object) & POST_TYPES:
            parse.parse_note(activity.object)
        return activity
    if kinds & ACTOR_TYPES:
        return parse.parse_actor(doc)
    if "Question" in kinds and "attributedTo" not in doc:  # docs excerpts of polls: the poll is still read
        return questions.parse_poll(doc)
    if is_event(doc):  # a session (Mobilizon, FEP-8a8e): some name no organiser, so no post
        return parse_event(doc)
    if kinds & POST_TYPES:
        return parse.parse_note(doc)
    if kinds & COLLECTION_TYPES:
        return parse.parse_collection(doc)
    if "Tombstone" in kinds:
        return parse.parse_tombstone(doc)
    raise AssertionError(f"{name}: no parser for {kinds}")


# Documentation excerpts that leave out what real servers send, refused as Mastodon would refuse them.
REFUSED = {
    "gotosocial/delete_direct.json": "activity id is missing",  # GoToSocial's docs omit the id; GoToSocial sends one
    "gotosocial/delete_note_public.json": "activity id is missing",
    "mastodon/actor_property_value.json": "actor inbox is missing",  # an excerpt: profile fields only
    # Rebased's captures pair mobilizon.org's actor with mobilizon.mkljczk.pl ids (re-hosted on one server below).
    "mobilizon/accept_join_event.json": "activity id and actor are on different servers",
    "mobilizon/join_event.json": "activity id and actor are on different servers",
    **{f"as2/{name}.json": "activity id is missing" for name in ("invite_event", "join_group")},
    **{f"as2/tentative_{name}_invite_event.json": "activity id is missing" for name in ("accept", "reject")},
}


@pytest.mark.parametrize("name", ALL_FILES)
def test_every_fixture_goes_through_the_parser(name: str) -> None:
    doc = load(name)
    if name in REFUSED:
        with pytest.raises(InvalidActivity, match=REFUSED[name]):
            parse_any(name, doc)
        return
    assert parse_any(name, doc) is not None


def test_every_activity_fixture_has_an_inbox_case() -> None:
    activities = {
        name
        for name in ALL_FILES
        if isinstance(doc := load(name), dict) and types_of(doc) & ACTIVITY_TYPES and "actor" in doc
    }
    assert activities == set(CASES)


# --- 2. re-hosting on a fake server ------------------------------------------------------------


@dataclass
class Stage:
    """One fixture's trip: the fake server, our instance, and how URLs are rewritten."""

    instance: Any
    fake: Any
    doc: dict
    names: dict[str, str] = field(default_factory=dict)  # fixture actor URL → fake user name
    ours: dict[str, str] = field(default_factory=dict)  # fixture URL → URL on our instance
    origins: set[str] = field(default_factory=set)  # fixture hosts that now live on the fake

    @property
    def base(self) -> str:
        return self.instance.base_url

    def ana(self, suffix: str = "") -> str:
        return f"{self.base}/u/ana{suffix}"

    def add_actor(self, url: str, *, type: str = "Person", **fields: Any) -> str:
        if url not in self.names:
            name = f"a{len(self.names)}"
            self.fake.add_user(name)
            self.fake.patch_actor(name, type=type, **fields)
            self.names[url] = name
            self.origins.add(urlsplit(url).hostname or "")
        return self.names[url]

    def remote(self, url: str) -> str:
        """The fake's id for a fixture actor."""
        return self.fake.actor_id(self.names[url])

    def rewrite(self, value: Any) -> Any:
        """`value` with every fixture URL moved to the fake (actors, their servers) or to us (`ours`)."""
        table: dict[str, str] = {}
        for url, target in self.ours.items():
            table.update(_both_schemes(url, target))
        for url, name in self.names.items():
            table.update(_both_schemes(url, self.fake.actor_id(name)))
        for host in self.origins:
            table.update(_both_schemes(f"https://{host}", self.fake.base_url))
        pattern = re.compile("|".join(re.escape(key) for key in sorted(table, key=len, reverse=True)))
        return json.loads(pattern.sub(lambda match: table[match[0]], json.dumps(value)))

    async def actor_row(self, url: str) -> Actor:
        with self.instance.db.active():
            return await self.instance.app[REMOTE_ACTORS].get_actor(self.remote(url))

    def db(self):
        return self.instance.db.active()


def _both_schemes(url: str, target: str) -> dict[str, str]:
    rest = url.split("://", 1)[1]
    return {f"https://{rest}": target, f"http://{rest}": target}


def actors_in(doc: dict) -> list[str]:
    """The actor URLs of an activity: its actor, an embedded activity's actor, a post's author."""
    found = [parse.id_of(doc.get("actor"))]
    inner = doc.get("object")
    if isinstance(inner, dict):
        found += [parse.id_of(inner.get("actor")), parse.id_of(inner.get("attributedTo"))]
        if isinstance(inner.get("object"), dict):
            found.append(parse.id_of(inner["object"].get("attributedTo")))
    return list(dict.fromkeys(url for url in found if url))


# --- 3. what each activity needs before, and should do after ------------------------------------


Step = Callable[[Stage], Awaitable[None]]


@dataclass(frozen=True)
class Case:
    ours: dict[str, str] = field(default_factory=dict)  # fixture URL → "collective", "ana", "post:N", "follow"
    groups: tuple[str, ...] = ()  # fixture actors that are Groups
    setup: Step | None = None
    check: Step | None = None
    status: int = 202
    origins: tuple[str, ...] = ()  # other hosts of the fixture's senders, re-hosted on the fake too


async def ana_follows(stage: Stage, url: str, *, state: str = FollowState.ACCEPTED, ap_id: str | None = None) -> None:
    remote = await stage.actor_row(url)
    with stage.db():
        ana = await Actor.get(username="ana", is_local=True)
        await Follow.create(follower=ana, target=remote, state=state, ap_id=ap_id or f"{ana.ap_id}/follows/{remote.id}")


async def collective_follows(stage: Stage, url: str) -> None:
    remote = await stage.actor_row(url)
    with stage.db():
        ours = await Actor.get(username="drivers", is_local=True)
        await Follow.create(follower=ours, target=remote, state=FollowState.ACCEPTED, ap_id=f"{ours.ap_id}/follows/1")


async def remote_post(stage: Stage, author_url: str, post_url: str, **values: Any) -> None:
    author = await stage.actor_row(author_url)
    with stage.db():
        await Post.create(
            id=new_id(),
            ap_id=stage.rewrite(post_url),
            author=author,
            content="<p>avant</p>",
            published_at=datetime(2021, 1, 1, tzinfo=UTC),
            **values,
        )


async def post_state(stage: Stage, fixture_url: str) -> Post | None:
    with stage.db():
        return await Post.get_or_none(ap_id=stage.rewrite(fixture_url))


def follow_of_ana(stage: Stage) -> str:
    return stage.ana("/follows/fixture")


async def follow_is_accepted(stage: Stage) -> None:
    with stage.db():
        assert (await Follow.get(ap_id=follow_of_ana(stage))).state == FollowState.ACCEPTED


async def someone_follows_us(stage: Stage, *, target: str = "ana") -> None:
    follower = stage.remote(actors_in(stage.doc)[0])
    with stage.db():
        row = await Follow.get(follower__ap_id=follower, target__username=target)
    assert row.state == FollowState.ACCEPTED


# FEP-0837 agreements: a proposal of ours answered from elsewhere, and one of our member's offers answered.
PROPOSAL = "https://market.example/proposals/ddde9d6f-6f3b-4770-a966-3a18ef006930"
OFFER = "https://social.example/objects/fc4af0d2-c3a1-409b-947c-3c5be29f49b0/offer"
AGREEMENT = "https://market.example/agreements/edc374aa-e580-4a58-9404-f3e8bf8556b2"
ALICE = "https://market.example/users/alice"


async def our_proposal(stage: Stage) -> None:
    with stage.db():
        ana = await Actor.get(username="ana", is_local=True)
        proposal = await create_proposal(
            ana, ProposalTerms(purpose=ProposalPurpose.OFFER, title="Vélo", text="Je prête mon vélo", hours=Decimal(2))
        )
        stage.ours[PROPOSAL] = proposal.post.ap_id


async def anas_offer_on_alices_proposal(stage: Stage) -> Agreement:
    """alice (elsewhere) published a proposal; ana offered to take it; the fixture answers that offer."""
    stage.add_actor(ALICE)
    alice = await stage.actor_row(ALICE)
    note = parse.parse_note(stage.rewrite(load("fep/fep0837_proposal_minimal.json")), followers_url=None)
    with stage.db():
        post = await remote_posts.store_remote_note(note, alice, visibility=Visibility.PUBLIC)
        proposal = await find_proposal_by_ap_id(post.ap_id)
        ana = await Actor.get(username="ana", is_local=True)
        agreement = await agreements.offer_agreement(proposal, ana)
    stage.ours[OFFER] = agreement.offer_activity_id
    return agreement


async def accepted_agreement(stage: Stage) -> None:
    agreement = await anas_offer_on_alices_proposal(stage)
    with stage.db():
        await Agreement.filter(id=agreement.id).update(state=AgreementState.ACCEPTED, ap_id=stage.rewrite(AGREEMENT))


async def agreement_in(stage: Stage, state: AgreementState) -> None:
    with stage.db():
        agreement = await Agreement.get()
    assert agreement.state == state


async def offer_recorded(stage: Stage) -> None:
    with stage.db():
        agreement = await Agreement.get(offer_activity_id=stage.rewrite(stage.doc["id"]))
    assert agreement.state == AgreementState.OFFERED


async def confirmation_counted(stage: Stage) -> None:
    with stage.db():
        exchange = await Exchange.get()
    assert exchange.provider_confirmation_ap_id == stage.rewrite(stage.doc["object"]["id"])


async def report_filed(stage: Stage) -> None:
    with stage.db():
        report = await Report.get()
        assert await Notification.filter(kind=NotificationKind.ADMIN_REPORT).exists()
    assert report.target_id is not None and report.post_ap_ids == [stage.ana("/posts/1")]


async def ana_posts(stage: Stage) -> None:
    with stage.db():
        ana = await Actor.get(username="ana", is_local=True)
        for number in (1, 2):
            await Post.create(
                id=number,
                ap_id=stage.ana(f"/posts/{number}"),
                author=ana,
                is_local=True,
                content="<p>Je prête ma perceuse</p>",
                published_at=datetime.now(UTC),
            )


async def both_follows(stage: Stage) -> None:
    url = actors_in(stage.doc)[0]
    await ana_follows(stage, url)
    remote = await stage.actor_row(url)
    with stage.db():
        ana = await Actor.get(username="ana", is_local=True)
        await Follow.create(follower=remote, target=ana, state=FollowState.ACCEPTED, ap_id=f"{remote.ap_id}/f/1")


async def no_follows(stage: Stage) -> None:
    with stage.db():
        assert await Follow.all().count() == 0


async def stored(stage: Stage, *, visibility: Visibility | None = None) -> Post:
    post = await post_state(stage, stage.doc["object"]["id"])
    assert post is not None and not post.is_deleted
    if visibility is not None:
        assert post.visibility == visibility
    return post


def follows_author(stage: Stage) -> Awaitable[None]:
    return ana_follows(stage, actors_in(stage.doc)[0])


async def pending_follow_of(stage: Stage, url: str) -> None:
    await ana_follows(stage, url, state=FollowState.PENDING, ap_id=follow_of_ana(stage))


async def favourite_of_ana_post(stage: Stage) -> None:
    await ana_posts(stage)
    felix = await stage.actor_row(actors_in(stage.doc)[0])
    with stage.db():
        await Favourite.create(ap_id=stage.rewrite(stage.doc["object"]["id"]), actor=felix, post_id=1)


async def favourite_gone(stage: Stage) -> None:
    with stage.db():
        assert await Favourite.all().count() == 0


async def favourite_added(stage: Stage) -> None:
    with stage.db():
        assert await Favourite.filter(post_id=1).count() == 1
        assert await Notification.filter(kind=NotificationKind.FAVOURITE).count() == 1


LEMMY_GROUP = "http://enterprise.lemmy.ml/c/main"
LEMMY_ALPHA = "http://ds9.lemmy.ml/u/lemmy_alpha"


async def lemmy_follow_pending(stage: Stage) -> None:
    await pending_follow_of(stage, LEMMY_GROUP)


async def lemmy_page_exists(stage: Stage) -> None:
    await remote_post(stage, LEMMY_ALPHA, "http://ds9.lemmy.ml/post/1")


async def lemmy_page_deleted(stage: Stage) -> None:
    post = await post_state(stage, "http://ds9.lemmy.ml/post/1")
    assert post is not None and post.is_deleted


async def lemmy_page_updated(stage: Stage) -> None:
    post = await post_state(stage, "http://ds9.lemmy.ml/post/1")
    assert post is not None and post.content.strip() == "<p>test body</p>" and post.updated_at is not None
    await shows_media(stage, "image", fixture_url="http://ds9.lemmy.ml/post/1")


async def lemmy_user_known_and_followed(stage: Stage) -> None:
    await ana_follows(stage, LEMMY_ALPHA)


async def lemmy_user_deleted(stage: Stage) -> None:
    with stage.db():
        actor = await Actor.get(ap_id=stage.remote(LEMMY_ALPHA))
        assert actor.is_deleted and await Follow.all().count() == 0


async def announced_page_stored(stage: Stage) -> None:
    post = await post_state(stage, "http://enterprise.lemmy.ml/post/7")
    assert post is not None and post.audience == stage.remote(LEMMY_GROUP)


async def friendica_comment_exists(stage: Stage) -> None:
    author = actors_in(stage.doc)[0]
    await ana_follows(stage, author)
    await remote_post(stage, author, stage.doc["object"]["id"])


async def friendica_comment_edited(stage: Stage) -> None:
    post = await post_state(stage, stage.doc["object"]["id"])
    assert post is not None and "edited comment" in post.content


async def felix_status_exists(stage: Stage) -> None:
    await remote_post(stage, actors_in(stage.doc)[0], stage.doc["object"]["id"])


async def felix_status_deleted(stage: Stage) -> None:
    post = await post_state(stage, stage.doc["object"]["id"])
    assert post is not None and post.is_deleted


async def follow_then_undo(stage: Stage) -> None:
    asonix = await stage.actor_row(actors_in(stage.doc)[0])
    with stage.db():
        ours = await Actor.get(username="drivers", is_local=True)
        await Follow.create(
            follower=asonix, target=ours, state=FollowState.ACCEPTED, ap_id=stage.rewrite(stage.doc["object"]["id"])
        )


MOVE_TARGET = "https://alice.com/users/109835986274379"


async def move_target_confirms(stage: Stage) -> None:
    stage.add_actor(MOVE_TARGET, alsoKnownAs=[stage.remote(actors_in(stage.doc)[0])])


async def moved(stage: Stage) -> None:
    with stage.db():
        actor = await Actor.get(ap_id=stage.remote(actors_in(stage.doc)[0]))
    assert actor.moved_to == stage.remote(MOVE_TARGET)


async def mentioned_ana(stage: Stage) -> None:
    post = await stored(stage)
    with stage.db():
        assert await Notification.filter(kind=NotificationKind.MENTION, post_id=post.id).exists()


async def shows_media(stage: Stage, *kinds: str, fixture_url: str | None = None) -> None:
    """The post is stored and the client API shows its attachments, of these Mastodon types, in order."""
    post = await post_state(stage, fixture_url or stage.doc["object"]["id"])
    assert post is not None and not post.is_deleted
    async with aiohttp.ClientSession() as session, session.get(f"{stage.base}/api/v1/statuses/{post.id}") as answer:
        status = await answer.json()
    assert [media["type"] for media in status["media_attachments"]] == list(kinds)
    assert all(media["url"] or media["remote_url"] for media in status["media_attachments"])


# Polls: a Mastodon poll arrives, and Mastodon votes in one of our polls (a demand's).
RIN_POLL = "https://testing.uguu.ltd/objects/9d300947-2dcb-445d-8978-9a3b4b84fa14"
ALICE_POLL = "https://mastodon.example/users/alice/statuses/1009947848598745"


def our_poll(question_url: str, option: str) -> Step:
    """A published demand of ours whose poll offers the fixture's option (our demands offer one of their own)."""

    async def setup(stage: Stage) -> None:
        with stage.db():
            root = await Actor.get(username="root", is_local=True)
            group = await Actor.get(username="drivers", is_local=True)
            terms = demands.DemandTerms(
                title="Un tarif minimum", target="Plateforme", claims=["1 €/km"],
                deadline=datetime.now(UTC) + timedelta(days=30),
            )  # fmt: skip
            demand = await demands.draft_demand(root, terms, collective=group)
            await demands.publish_demand(demand, by=root)
            await Poll.filter(post_id=demand.post_id).update(options=[option])
        stage.ours[question_url] = demand.ap_id

    return setup


def vote_counted(question_url: str) -> Step:
    async def check(stage: Stage) -> None:
        with stage.db():
            poll = await Poll.get(post__ap_id=stage.ours[question_url])
            vote = await PollVote.get(poll_id=poll.id).select_related("voter")
        assert poll.voters_count == 1 and not vote.is_named
        assert vote.voter.ap_id == stage.remote(actors_in(stage.doc)[0])

    return check


async def poll_kept(stage: Stage) -> None:
    post = await stored(stage, visibility=Visibility.PUBLIC)
    with stage.db():
        poll = await Poll.get(post_id=post.id)
    assert poll.options[1] == "Everyone knows that!" and poll.counts == [0, 1, 0, 1] and not poll.is_multiple


# Coaching sessions (Mobilizon's RSVP flow): a circle here with a session ahead, or a session elsewhere.
MOBILIZON_EVENT = "http://mobilizon.test/events/some-uuid"
MOBILIZON_ADMIN = "http://mobilizon2.test/@admin"
PLEROMA_EVENT = "https://pleroma.mkljczk.pl/objects/b800bdb9-2cbb-40b6-9b29-196cfbd42398"
MKLJCZK_EVENT = "https://mobilizon.mkljczk.pl/events/d9d08e46-81af-4ee9-91e5-1298f49beea9"
MKLJCZK_JOIN = "https://pleroma.mkljczk.pl/activities/7d1f3986-8b2c-48c2-b89e-d27ba8459777"
TCIT = "https://mobilizon.org/@tcit"


async def our_session(stage: Stage, fixture_url: str) -> CoachingSession:
    """A circle here, facilitated by ana, with a session in three days that the fixture's URL now names."""
    with stage.db():
        ana = await Actor.get(username="ana", is_local=True)
        circle = await create_circle(stage.base, CircleTerms(slug="marketing", name="Marketing", facilitators=(ana,)))
        start = datetime.now(UTC) + timedelta(days=3)
        terms = SessionTerms(title="Positionnement", starts_at=start, ends_at=start + timedelta(hours=2), capacity=6)
        session = await schedule_session(circle, ana, terms)
    stage.ours[fixture_url] = session.ap_id
    return session


async def participation_of(stage: Stage, actor_url: str) -> Participation:
    with stage.db():
        return await Participation.get(actor__ap_id=stage.remote(actor_url))


async def joined(stage: Stage) -> None:
    row = await participation_of(stage, actors_in(stage.doc)[0])
    assert row.state == ParticipationState.ACCEPTED and row.join_ap_id == stage.rewrite(stage.doc["id"])
    if stage.doc.get("participationMessage"):
        assert row.message.split() == stage.doc["participationMessage"].split()  # the no-break space is kept as one


async def admin_has_a_seat(stage: Stage) -> None:
    session = await our_session(stage, MOBILIZON_EVENT)
    admin = await stage.actor_row(MOBILIZON_ADMIN)
    with stage.db():
        await participation.receive_join(admin, JoinDoc(f"{admin.ap_id}/j", admin.ap_id, session.ap_id, ""))


async def seat_freed(stage: Stage) -> None:
    row = await participation_of(stage, MOBILIZON_ADMIN)
    with stage.db():
        session = await CoachingSession.get(id=row.session_id)
    assert row.state == ParticipationState.LEFT and session.accepted_count == 0


async def ana_joined_a_session_elsewhere(stage: Stage) -> None:
    """tcit (Mobilizon) publishes an event; ana's Join of it waits for tcit's answer."""
    stage.origins.add("mobilizon.mkljczk.pl")
    tcit = await stage.actor_row(TCIT)
    with stage.db():
        ana = await Actor.get(username="ana", is_local=True)
        start = datetime.now(UTC) + timedelta(days=3)
        session = await CoachingSession.create(
            id=new_id(),
            ap_id=stage.rewrite(MKLJCZK_EVENT),
            organizer=tcit,
            title="Atelier",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
        )
        await Participation.create(
            session=session, actor=ana, state=ParticipationState.PENDING, join_ap_id=stage.ana("/joins/1")
        )
    stage.ours[MKLJCZK_JOIN] = stage.ana("/joins/1")


async def ana_has_her_seat(stage: Stage) -> None:
    with stage.db():
        row = await Participation.get(join_ap_id=stage.ana("/joins/1"))
        assert await Notification.filter(kind=NotificationKind.SESSION, recipient_id=row.actor_id).exists()
    assert row.state == ParticipationState.ACCEPTED


async def event_kept(stage: Stage) -> None:
    """The Event is shown here, read-only, with what its page needs."""
    with stage.db():
        session = await CoachingSession.get(ap_id=stage.rewrite(stage.doc["object"]["id"]))
    assert not session.is_local and session.title and session.starts_at
    location = stage.doc["object"].get("location") or {}
    assert session.place_name == location.get("name", "")


async def event_kept_with_its_links(stage: Stage) -> None:
    await event_kept(stage)
    await shows_media(stage, "unknown", "unknown")


def join_case(fixture_url: str, **values: Any) -> Case:
    return Case(setup=lambda s: our_session(s, fixture_url), check=joined, **values)


CASES: dict[str, Case] = {
    "as2/invite_event.json": Case(status=400),  # ActivityStreams examples carry no ids (see REFUSED)
    "as2/join_group.json": Case(status=400),
    "as2/tentative_accept_invite_event.json": Case(status=400),
    "as2/tentative_reject_invite_event.json": Case(status=400),
    "gancio/create_event_demo.json": Case(setup=follows_author, check=event_kept),
    "mobilizon/accept_join_event.json": Case(
        ours={"https://pleroma.mkljczk.pl/users/mkljczk": "ana"},
        setup=ana_joined_a_session_elsewhere,
        check=ana_has_her_seat,
    ),
    "mobilizon/create_event_with_links.json": Case(setup=follows_author, check=event_kept_with_its_links),
    "mobilizon/invite_group_member.json": Case(),  # an invitation into a Mobilizon group: acknowledged, ignored
    "mobilizon/join_event.json": join_case(PLEROMA_EVENT, origins=("mobilizon.mkljczk.pl",)),
    "mobilizon/join_event_signed.json": join_case(MOBILIZON_EVENT),
    "mobilizon/join_participation_message_docs.json": join_case(MOBILIZON_EVENT),
    "mobilizon/leave_event_signed.json": Case(setup=admin_has_a_seat, check=seat_freed),
    "fep/fep0837_offer_agreement.json": Case(ours={ALICE: "ana"}, setup=our_proposal, check=offer_recorded),
    "fep/fep0837_accept_agreement.json": Case(
        ours={"https://social.example/users/bob": "ana"},
        setup=anas_offer_on_alices_proposal,
        check=lambda s: agreement_in(s, AgreementState.ACCEPTED),
    ),
    "fep/fep0837_reject_agreement.json": Case(
        ours={"https://social.example/users/bob": "ana"},
        setup=anas_offer_on_alices_proposal,
        check=lambda s: agreement_in(s, AgreementState.REJECTED),
    ),
    "fep/fep0837_confirmation_receipt.json": Case(
        ours={"https://social.example/users/bob": "ana"}, setup=accepted_agreement, check=confirmation_counted
    ),
    "friendica/update_note.json": Case(setup=friendica_comment_exists, check=friendica_comment_edited),
    "gotosocial/delete_direct.json": Case(status=400),  # no activity id (see REFUSED)
    "gotosocial/delete_note_public.json": Case(status=400),
    "gotosocial/flag.json": Case(
        ours={
            "http://fossbros-anonymous.io/users/foss_satan/statuses/01FVW7JHQFSFK166WWKR8CBA6M": "post:1",
            "http://fossbros-anonymous.io/users/foss_satan": "ana",
        },
        setup=ana_posts,
        check=report_filed,
    ),
    "lemmy/accept_follow.json": Case(
        ours={
            "http://ds9.lemmy.ml/activities/follow/6abcd50b-b8ca-4952-86b0-a6dd8cc12866": "follow",
            LEMMY_ALPHA: "ana",
        },
        groups=(LEMMY_GROUP,),
        setup=lemmy_follow_pending,
        check=follow_is_accepted,
    ),
    "lemmy/announce_create_page.json": Case(
        groups=(LEMMY_GROUP,), setup=lambda s: collective_follows(s, LEMMY_GROUP), check=announced_page_stored
    ),
    "lemmy/create_page.json": Case(setup=follows_author, check=lambda s: shows_media(s, "image")),
    "lemmy/delete_page.json": Case(setup=lemmy_page_exists, check=lemmy_page_deleted),
    "lemmy/delete_user.json": Case(setup=lemmy_user_known_and_followed, check=lemmy_user_deleted),
    "lemmy/follow_group.json": Case(
        ours={LEMMY_GROUP: "collective"}, check=lambda s: someone_follows_us(s, target="drivers")
    ),
    "lemmy/update_page.json": Case(setup=lemmy_page_exists, check=lemmy_page_updated),
    "mastodon/create_poll_vote.json": Case(
        ours={"https://testing.uguu.ltd/users/rin": "collective"},
        setup=our_poll(RIN_POLL, "suya.."),
        check=vote_counted(RIN_POLL),
    ),
    "mastodon/create_poll_vote_docs.json": Case(
        ours={"https://mastodon.example/users/alice": "collective"},
        setup=our_poll(ALICE_POLL, "orange"),
        check=vote_counted(ALICE_POLL),
    ),
    "mastodon/create_question_oneof.json": Case(setup=follows_author, check=poll_kept),
    "mastodon/block.json": Case(ours={"https://example.com/~mallory": "ana"}, setup=both_follows, check=no_follows),
    "mastodon/create_note_reply.json": Case(
        setup=follows_author, check=lambda s: stored(s, visibility=Visibility.UNLISTED)
    ),
    "mastodon/delete_note.json": Case(setup=felix_status_exists, check=felix_status_deleted),
    "mastodon/flag.json": Case(
        ours={"https://example.com/users/1": "ana", "https://example.com/posts/380590": "post:1"},
        setup=ana_posts,
        check=report_filed,
    ),
    "mastodon/follow.json": Case(
        ours={"https://ds9.lemmy.ml/c/testcom": "collective"}, check=lambda s: someone_follows_us(s, target="drivers")
    ),
    "mastodon/move.json": Case(setup=move_target_confirms, check=moved),
    "mastodon/undo_follow.json": Case(
        ours={"https://ds9.lemmy.ml/c/testcom": "collective"}, setup=follow_then_undo, check=no_follows
    ),
    "mastodon/undo_like_page.json": Case(
        ours={"https://ds9.lemmy.ml/post/147": "post:1"}, setup=favourite_of_ana_post, check=favourite_gone
    ),
    CAPTURE: Case(
        ours={
            "https://fedi-test.mooo.com/users/rarely-typical/follows/test": "follow",
            "https://fedi-test.mooo.com/users/rarely-typical": "ana",
        },
        setup=lambda s: pending_follow_of(s, "https://tech.lgbt/users/rarely_typical"),
        check=follow_is_accepted,
    ),
    "mbin/accept_follow.json": Case(
        ours={
            "https://some-other.instance/f/object/c51ea652-e594-4920-a989-f5350f0cec05": "follow",
            "https://some-other.instance/u/someUser": "ana",
        },
        groups=("https://some-mbin.instance/m/someMag",),
        setup=lambda s: pending_follow_of(s, "https://some-mbin.instance/m/someMag"),
        check=follow_is_accepted,
    ),
    "mitra/accept_follow_by_id.json": Case(
        ours={
            "https://voyager.lemmy.ml/activities/follow/7d782f02-b91d-4455-b6c0-772540f00c2d": "follow",
            "https://voyager.lemmy.ml/u/silverpill": "ana",
        },
        groups=("https://mitra.social/users/localtestgroup",),
        setup=lambda s: pending_follow_of(s, "https://mitra.social/users/localtestgroup"),
        check=follow_is_accepted,
    ),
    "mitra/create_post.json": Case(setup=follows_author, check=lambda s: stored(s, visibility=Visibility.PUBLIC)),
    "mitra/like_with_proof.json": Case(
        ours={
            "https://server2.example/users/bob/posts/141892712081205472": "post:1",
            "https://server2.example/users/bob": "ana",
        },
        setup=ana_posts,
        check=favourite_added,
    ),
    "pleroma/create_note.json": Case(ours={"https://enterprise.lemmy.ml/u/picard": "ana"}, check=mentioned_ana),
    "pleroma/follow.json": Case(ours={"https://lemmy.ca/u/kinetix": "ana"}, check=someone_follows_us),
}


def our_url(stage: Stage, key: str) -> str:
    if key == "collective":
        return f"{stage.base}/c/drivers"
    if key == "ana":
        return stage.ana()
    if key == "follow":
        return follow_of_ana(stage)
    if key.startswith("post:"):
        return stage.ana(f"/posts/{key[5:]}")
    return key  # already a URL (set by a setup step)


@pytest.fixture
async def drivers(make_instance):
    from fedaid.domain.members import add_member

    instance = await start_drivers(make_instance)
    with instance.db.active():
        await add_member(
            instance.base_url,
            "root",
            email="root@example.org",
            password="correct horse battery",
            role=AccountRole.ADMIN,
        )
    return instance


@pytest.mark.parametrize("name", sorted(CASES))
async def test_every_activity_fixture_goes_through_the_inbox(drivers, aiohttp_server, name: str) -> None:
    case, doc = CASES[name], load(name)
    fake = await start_fake_remote(aiohttp_server, usernames=())
    stage = Stage(drivers, fake, doc)
    anonymous = [] if parse.id_of(doc["actor"]) else ["https://w3c.example/sally"]  # AS2 examples: no ids
    for url in [*actors_in(doc), *anonymous]:
        if url not in case.ours:
            stage.add_actor(url, type="Group" if url in case.groups else "Person")
    stage.origins.update(case.origins)
    stage.ours.update({url: our_url(stage, key) for url, key in case.ours.items()})
    if case.setup is not None:
        await case.setup(stage)
    stage.ours.update({url: our_url(stage, value) for url, value in stage.ours.items()})
    activity = stage.rewrite(doc)
    signer = stage.names[parse.id_of(doc["actor"]) or "https://w3c.example/sally"]

    headers, body = fake.sign_post(f"{drivers.base_url}/inbox", activity, as_user=signer)
    status = await post_raw(f"{drivers.base_url}/inbox", body, headers)

    assert status == case.status
    if status != 202:
        return
    await drivers.run_worker_once()
    with drivers.db.active():
        item = await InboxItem.get(activity_id=activity["id"])
    assert (item.state, item.last_error) == (InboxState.DONE, "")
    if case.check is not None:
        await case.check(stage)


# --- 5. the polls and events published elsewhere, shown here -----------------------------------

# Bare Question and Event objects (excerpts of what Mastodon, Pleroma, Misskey, Smithereen, Mobilizon and the
# FEP-9967/FEP-8a8e/AS2 examples publish), each sent as the Create(object) their server would send.
POLL_OBJECTS = sorted(
    name for name in ALL_FILES if name.split("/")[1].startswith("question") or "9967_question" in name
)
EVENT_OBJECTS = sorted(
    name
    for name in ALL_FILES
    if "fep8a8e_event" in name or name in ("mobilizon/event.json", "mobilizon/event_mobilizon_org.json")
)
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


async def arrives_in_a_create(drivers, aiohttp_server, name: str) -> tuple[Stage, dict]:
    """The fixture's object, authored by a user of the fake that ana follows, through our inbox and applied."""
    doc = load(name)
    fake = await start_fake_remote(aiohttp_server, usernames=())
    stage = Stage(drivers, fake, doc)
    author = parse.id_of(doc.get("actor")) or parse.id_of(doc.get("attributedTo"))
    if author is None:  # docs excerpts name no author: one on the object's server stands in
        author = f"https://{urlsplit(doc['id']).hostname}/users/author"
        doc["attributedTo"] = author
    stage.add_actor(author)
    stage.origins.add(urlsplit(doc["id"]).hostname or "")
    await ana_follows(stage, author)
    doc.setdefault("to", [PUBLIC])
    doc.pop("@context", None)
    create = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{doc['id']}#create",
        "type": "Create",
        "actor": author,
        "to": doc["to"],
        "object": doc,
    }
    activity = stage.rewrite(create)
    headers, body = fake.sign_post(f"{drivers.base_url}/inbox", activity, as_user=stage.names[author])
    assert await post_raw(f"{drivers.base_url}/inbox", body, headers) == 202
    await drivers.run_worker_once()
    with drivers.db.active():
        item = await InboxItem.get(activity_id=activity["id"])
    assert (item.state, item.last_error) == (InboxState.DONE, "")
    return stage, activity["object"]


@pytest.mark.parametrize("name", POLL_OBJECTS)
async def test_every_real_poll_shows_as_a_poll_in_client_apps(drivers, aiohttp_server, name: str) -> None:
    from fedaid.domain import oauth
    from fedaid.domain.members import get_member

    stage, question = await arrives_in_a_create(drivers, aiohttp_server, name)
    expected = questions.parse_poll(question)
    with drivers.db.active():
        post = await Post.get(ap_id=question["id"])
        app, secret = await oauth.register_app("t", ["urn:ietf:wg:oauth:2.0:oob"], "read", address="127.0.0.1")
        request = await oauth.check_authorization_request(app.client_id, None, "read", "code")
        code = await oauth.grant_code(request, (await get_member("ana")).account)
        token = (await oauth.exchange_code(app.client_id, secret, code, None)).access_token
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession() as client:
        async with client.get(f"{drivers.base_url}/api/v1/statuses/{post.id}", headers=headers) as answer:
            assert answer.status == 200
            status = await answer.json()
    poll = status["poll"]
    assert poll is not None, name
    assert [option["title"] for option in poll["options"]] == list(expected.options)
    assert [option["votes_count"] for option in poll["options"]] == list(expected.counts)
    assert poll["multiple"] is expected.is_multiple and poll["voters_count"] == expected.voters_count
    async with aiohttp.ClientSession() as client:
        async with client.get(f"{drivers.base_url}/api/v1/polls/{poll['id']}", headers=headers) as answer:
            assert answer.status == 200 and (await answer.json())["id"] == poll["id"]


@pytest.mark.parametrize("name", EVENT_OBJECTS)
async def test_every_real_event_shows_as_a_session_published_elsewhere(drivers, aiohttp_server, name: str) -> None:
    stage, event = await arrives_in_a_create(drivers, aiohttp_server, name)
    expected = parse_event(event)
    with drivers.db.active():
        session = await CoachingSession.get(ap_id=event["id"])
    assert not session.is_local and session.starts_at == expected.starts_at
    async with aiohttp.ClientSession() as client:
        async with client.get(f"{drivers.base_url}/sessions/{session.id}", headers={"Accept-Language": "en"}) as page:
            assert page.status == 200
            html = unescape(await page.text())
    assert event["name"] in html
    if expected.place_name:
        assert expected.place_name in html


# Bare posts of the corpus that carry attachments (activities carrying them are cases of section 4).
def has_attachments(doc: dict) -> bool:
    """Whether a post or event carries attachments (profile fields are not)."""
    entries = parse.as_list(doc.get("attachment"))
    return any(not (isinstance(entry, dict) and entry.get("type") == "PropertyValue") for entry in entries)


BARE_POSTS_WITH_ATTACHMENTS = sorted(
    name
    for name in ALL_FILES
    if isinstance(doc := load(name), dict)
    and not types_of(doc) & ACTIVITY_TYPES
    and (types_of(doc) & POST_TYPES or is_event(doc))
    and has_attachments(doc)
)


def test_the_corpus_holds_bare_posts_with_attachments() -> None:
    assert BARE_POSTS_WITH_ATTACHMENTS == ["lemmy/page.json", "mobilizon/event.json"]


@pytest.mark.parametrize("name", BARE_POSTS_WITH_ATTACHMENTS)
async def test_every_bare_real_post_with_attachments_shows_them(drivers, aiohttp_server, name) -> None:
    """A post's attachments show in client apps; a Mobilizon group's event (attributedTo the group, sent by its
    organiser) is a session only, whose page shows its banner."""
    stage, doc = await arrives_in_a_create(drivers, aiohttp_server, name)
    if is_event(doc):
        expected = parse_event_attachments(doc)
        with drivers.db.active():
            session = await CoachingSession.get(ap_id=doc["id"])
            shown = await media.media_of(session)
        assert [(row.remote_url, row.description, row.kind) for row in shown] == [
            (item.url, item.name, item.kind) for item in expected
        ]
        async with aiohttp.ClientSession() as client:
            async with client.get(f"{drivers.base_url}/sessions/{session.id}") as page:
                assert page.status == 200
                html = await page.text()
        for item in expected:  # a picture once fetched, a link to its server until then
            assert f'alt="{item.name}"' in html or f'href="{item.url}"' in html, item
        return
    expected = parse_attachments(doc["attachment"])
    assert expected, name
    with drivers.db.active():
        post = await Post.get(ap_id=doc["id"])
    async with aiohttp.ClientSession() as client:
        async with client.get(f"{drivers.base_url}/api/v1/statuses/{post.id}") as answer:
            assert answer.status == 200
            shown = (await answer.json())["media_attachments"]
    assert [entry["remote_url"] for entry in shown] == [item.url for item in expected]
    assert [entry["description"] or None for entry in shown] == [item.name or None for item in expected]


@pytest.mark.parametrize("name", ["mobilizon/group.json", "lemmy/group.json"])
async def test_every_real_group_shows_as_a_group(drivers, aiohttp_server, name: str) -> None:
    """Mobilizon's and Lemmy's Group actors, served as their servers serve them, are read and shown as groups."""
    doc = load(name)
    fake = await start_fake_remote(aiohttp_server, usernames=())
    stage = Stage(drivers, fake, doc)
    fake.add_user("g", preferred_username=doc["preferredUsername"])
    fake.patch_actor("g", type="Group", **{key: doc[key] for key in ("name", "summary") if key in doc})
    stage.names[doc["id"]] = "g"
    group = await stage.actor_row(doc["id"])
    assert group.is_group and group.name == doc["name"] and group.username == doc["preferredUsername"]
    async with aiohttp.ClientSession() as client:
        async with client.get(f"{drivers.base_url}/api/v1/accounts/{group.id}") as answer:
            assert answer.status == 200
            account = await answer.json()
    assert account["group"] is True and account["display_name"] == doc["name"]
    assert account["acct"] == f"{doc['preferredUsername']}@{fake.domain}"
    # A Mobilizon group or a Lemmy community is not a collective: no alliance, no side of the collective ledger
    assert group.group_kind == GroupKind.OTHER and not group.is_collective
    with stage.db():
        ours = await Actor.get(username="drivers", is_local=True)
        with pytest.raises(InvalidInput, match="is not another server's collective"):
            await request_alliance(ours, group)
        assert not await Follow.filter(follower=ours, target=group).exists()
