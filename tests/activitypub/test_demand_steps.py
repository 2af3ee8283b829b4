"""Tests for fedaid/activitypub/parse/demand_steps.py: votes, withdrawals, co-signatures and Update(Question)
read from AS2 before the inbox worker dispatches them (pure)."""

from __future__ import annotations

import json
from typing import Any

from fedaid.activitypub.parse import parse_activity
from fedaid.activitypub.parse.demand_steps import (
    Endorsement,
    QuestionUpdated,
    VoteCast,
    Withdrawal,
    read_demand_step,
)

from testsupport import FIXTURES

COWORK = "https://cowork.example/c/cowork"
QUESTION = "https://aid.example/c/chauffeurs/demands/7"


def load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


def read(doc: dict[str, Any]) -> object:
    return read_demand_step(parse_activity(doc), followers_url=f"{COWORK}/followers")


def activity(kind: str, obj: object, suffix: str = "1") -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{COWORK}/activities/{suffix}",
        "type": kind,
        "actor": COWORK,
        "object": obj,
    }


def test_a_mastodon_vote_is_cast_and_a_reply_is_nothing_of_a_demand() -> None:
    doc = load("mastodon/create_poll_vote_docs.json")
    step = read(doc)
    assert isinstance(step, VoteCast) and step.vote.ap_id == doc["object"]["id"]
    doc["object"]["content"] = "<p>orange!</p>"
    assert read(doc) is None


def test_deletes_and_undos_name_what_they_may_withdraw() -> None:
    assert read(activity("Delete", f"{COWORK}/votes/1")) == Withdrawal(None, (f"{COWORK}/votes/1",))
    accept = {"id": f"{COWORK}/accepts/1", "type": "Accept", "actor": COWORK, "object": QUESTION}
    assert read(activity("Undo", accept, "2")) == Withdrawal(f"{COWORK}/accepts/1", (f"{COWORK}/accepts/1", QUESTION))
    create = {"id": f"{COWORK}/creates/1", "type": "Create", "actor": COWORK, "object": f"{COWORK}/votes/1"}
    assert read(activity("Undo", create, "3")) == Withdrawal(None, (f"{COWORK}/creates/1", f"{COWORK}/votes/1"))
    assert read(activity("Undo", f"{COWORK}/creates/1", "4")) == Withdrawal(None, (f"{COWORK}/creates/1",))


def test_an_accept_of_a_question_co_signs_and_an_accept_of_a_follow_does_not() -> None:
    assert read(activity("Accept", QUESTION)) == Endorsement(QUESTION, f"{COWORK}/activities/1")
    question = {"id": QUESTION, "type": "Question", "name": "Un tarif minimum"}
    assert read(activity("Accept", question)) == Endorsement(QUESTION, f"{COWORK}/activities/1")
    follow = {"id": "https://aid.example/follows/1", "type": "Follow", "actor": QUESTION, "object": COWORK}
    assert read(activity("Accept", follow)) is None


def test_an_update_of_a_question_carries_its_note_and_an_update_of_a_note_is_left_to_the_usual_reading() -> None:
    question = {
        "id": f"{COWORK}/demands/3",
        "type": "Question",
        "attributedTo": COWORK,
        "content": "<p>Un tarif minimum</p>",
        "oneOf": [{"type": "Note", "name": "soutenir", "replies": {"type": "Collection", "totalItems": 4}}],
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    }
    step = read(activity("Update", question))
    assert isinstance(step, QuestionUpdated) and step.note.ap_id == f"{COWORK}/demands/3"
    assert read(activity("Update", {**question, "type": "Note"})) is None
