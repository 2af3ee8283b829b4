"""fedaid/activitypub/questions.py against the real polls and votes of Mastodon, Pleroma, Misskey, Smithereen,
FEP-9967 and the W3C example: every poll is read, and the Question we send has their shape."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from fedaid.activitypub.parse import parse_activity
from fedaid.activitypub.questions import SUPPORT_OPTION, parse_demand, parse_poll, parse_vote, render_question
from fedaid.errors import InvalidActivity
from fedaid.models import Actor, ActorType, Demand, DemandCosigner, DemandStatus, DemandStatusChange

from testsupport import FIXTURES


def load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


POLLS = {
    # file: (options, counts, multiple, voters)
    "mastodon/question_anyof_docs.json": (("apple", "orange", "banana"), (3, 7, 6), True, 7),
    "pleroma/question_oneof_original.json": (("yes", "no"), (4, 0), False, 4),
    "pleroma/question_oneof_modified_counts.json": (("yes", "no"), (8, 3), False, 11),
    "misskey/question_no_end_date.json": (("Working", "Broken af"), (0, 1), False, 1),
    "smithereen/question_non_anonymous.json": (("тестовый ответ 1", "тестовый ответ 2", "тестовый ответ 3"),
                                               (4, 4, 6), False, 14),
    "fep/fep9967_question.json": (("Answer 1", "Answer 2"), (596, 379), False, 975),
    "as2/question_with_vote_replies.json": (("arduino", "raspberry pi"), (2, 1), False, 3),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(POLLS))
def test_every_real_poll_is_read(name: str) -> None:
    options, counts, multiple, voters = POLLS[name]
    poll = parse_poll(load(name))
    assert poll is not None
    assert (poll.options, poll.counts, poll.is_multiple, poll.voters_count) == (options, counts, multiple, voters)


def test_mastodon_create_question_is_read_with_its_end() -> None:
    question = load("mastodon/create_question_oneof.json")["object"]
    poll = parse_poll(question)
    assert poll.options[1] == "Everyone knows that!" and poll.counts == (0, 1, 0, 1)
    assert poll.expires_at == datetime(2019, 5, 11, 9, 3, 36, tzinfo=UTC) and poll.closed_at is None
    assert parse_demand(question) is None  # a poll, not a demand
    closed = parse_poll(load("pleroma/question_oneof_original.json"))
    assert closed.closed_at == datetime(2019, 9, 19, 0, 32, 36, 785333, tzinfo=UTC)  # Pleroma: no zone, UTC


@pytest.mark.parametrize("name", ["mastodon/create_poll_vote.json", "mastodon/create_poll_vote_docs.json"])
def test_mastodon_votes_are_read(name: str) -> None:
    doc = load(name)
    vote = parse_vote(parse_activity(doc))
    assert vote is not None
    assert (vote.voter, vote.question, vote.choice) == (doc["actor"], doc["object"]["inReplyTo"], doc["object"]["name"])
    assert vote.ap_id == doc["object"]["id"] and not vote.is_named


def test_a_vote_claiming_another_author_is_refused_and_a_reply_is_not_a_vote() -> None:
    doc = load("mastodon/create_poll_vote_docs.json")
    doc["object"]["attributedTo"] = "https://mastodon.example/users/alice"
    with pytest.raises(InvalidActivity, match="attributed to another actor"):
        parse_vote(parse_activity(doc))
    reply = load("mastodon/create_poll_vote_docs.json")
    reply["object"]["content"] = "<p>orange!</p>"
    assert parse_vote(parse_activity(reply)) is None


def test_our_question_has_the_shape_of_real_polls() -> None:
    group = Actor(
        id=1, ap_id="https://aid.example/c/chauffeurs", type=ActorType.GROUP, username="chauffeurs",
        domain="aid.example", is_local=True, followers_url="https://aid.example/c/chauffeurs/followers",
    )  # fmt: skip
    published = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    demand = Demand(
        id=7, ap_id="https://aid.example/c/chauffeurs/demands/7", collective_id=1, title="Un tarif minimum",
        target="Plateforme VTC", claims=["1,20 €/km"], deadline=datetime(2026, 4, 1, tzinfo=UTC), language="fr",
        status=DemandStatus.OPEN, published_at=published,
    )  # fmt: skip
    history = [DemandStatusChange(status=DemandStatus.OPEN, changed_at=published)]
    cosigners = [DemandCosigner(group_ap_id="https://cowork.example/c/cowork", name="Cowork", signed_at=published)]
    ours = render_question(
        demand, group, content="<p>x</p>", voters_count=3, history=history, cosigners=cosigners, now=published
    )
    mastodon = load("mastodon/create_question_oneof.json")["object"]
    fep = load("fep/fep9967_question.json")
    # The fields Mastodon's and FEP-9967's polls carry, with the same kinds of values
    for key in ("id", "type", "attributedTo", "content", "published", "to", "cc", "endTime", "oneOf", "url"):
        assert key in ours, key
        assert type(ours[key]) is type(mastodon.get(key, fep.get(key))) or key == "to", key
    assert ours["oneOf"][0].keys() == mastodon["oneOf"][0].keys() == fep["oneOf"][0].keys()
    assert ours["oneOf"][0]["replies"] == {"type": "Collection", "totalItems": 3} and ours["votersCount"] == 3
    assert ours["oneOf"][0]["name"] == SUPPORT_OPTION and len(SUPPORT_OPTION) <= 50  # Mastodon's option limit
    assert "closed" not in ours
    # And it reads back: the poll, and the demand's fields
    assert parse_poll(ours).options == (SUPPORT_OPTION,)
    found = parse_demand(ours)
    assert (found.target, found.claims, found.status) == ("Plateforme VTC", ("1,20 €/km",), DemandStatus.OPEN)
    assert [c.ap_id for c in found.cosigners] == ["https://cowork.example/c/cowork"]
    after = render_question(
        demand, group, content="", voters_count=3, history=history, cosigners=[], now=datetime(2026, 5, 1, tzinfo=UTC)
    )
    assert after["closed"] == "2026-04-01T00:00:00Z"
