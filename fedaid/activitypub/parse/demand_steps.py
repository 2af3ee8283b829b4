"""Activities about polls and demands, read before the inbox worker's usual reading (`inbound.py`).

Votes are Mastodon's Create(Note{name, inReplyTo}); a vote is withdrawn by a Delete or an Undo naming it (or its
Create); a collective co-signs a demand by an Accept of its Question and withdraws by an Undo of that Accept;
an Update(Question) carries new counts. Pure: the domain decides what the ids name.
"""

from __future__ import annotations

from dataclasses import dataclass

from fedaid.activitypub.parse.activities import Activity
from fedaid.activitypub.parse.notes import NoteDoc, parse_note
from fedaid.activitypub.parse.values import as_list, id_of
from fedaid.activitypub.questions import VoteDoc, parse_vote
from fedaid.activitypub.vocab import ActivityType, ObjectType


@dataclass(frozen=True)
class VoteCast:
    vote: VoteDoc


@dataclass(frozen=True)
class Withdrawal:
    """A Delete or an Undo that may withdraw a co-signature (the Accept's id) or a vote (one of `refs`)."""

    endorsement_ap_id: str | None
    refs: tuple[str, ...]


@dataclass(frozen=True)
class Endorsement:
    """An Accept of a Question: a collective co-signing a demand, when the Question is one of ours."""

    question_ap_id: str
    accept_ap_id: str


@dataclass(frozen=True)
class QuestionUpdated:
    note: NoteDoc


DemandStep = VoteCast | Withdrawal | Endorsement | QuestionUpdated


def read_demand_step(activity: Activity, *, followers_url: str | None) -> DemandStep | None:
    """What `activity` may do to a poll or a demand; None when it cannot be about one.

    InvalidActivity for a vote that claims another author than the activity's actor.
    """
    obj = activity.object
    match activity.type:
        case ActivityType.CREATE:
            vote = parse_vote(activity)
            return VoteCast(vote) if vote is not None else None
        case ActivityType.DELETE:
            ref = activity.object_ap_id
            return Withdrawal(None, (ref,)) if ref is not None else None
        case ActivityType.UNDO:
            return _undo(obj)
        case ActivityType.ACCEPT:
            if isinstance(obj, dict) and ObjectType.QUESTION not in as_list(obj.get("type")):
                return None
            question = id_of(obj)
            return Endorsement(question, activity.ap_id) if question is not None else None
        case ActivityType.UPDATE:
            if isinstance(obj, dict) and ObjectType.QUESTION in as_list(obj.get("type")):
                return QuestionUpdated(parse_note(obj, followers_url=followers_url))
    return None


def _undo(inner: object) -> Withdrawal | None:
    """The Undo's object (a vote's Create or Note, or an Accept of a Question) and that object's own object."""
    undone = id_of(inner)
    refs = [undone]
    endorsement = None
    if isinstance(inner, dict):
        refs.append(id_of(inner.get("object")))
        if ActivityType.ACCEPT in as_list(inner.get("type")):
            endorsement = undone
    kept = tuple(ref for ref in refs if ref is not None)
    return Withdrawal(endorsement, kept) if kept else None
