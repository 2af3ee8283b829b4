"""Polls on the wire: read any server's `Question` and votes; write a demand's `Question`, votes and endorsements.

Pure and synchronous. A vote is Mastodon's `Create(Note{name, inReplyTo})` addressed to the poll's owner
(mastodon/mastodon app/lib/activitypub/activity/create.rb, `poll_vote?`; FEP-9967). The shapes fedaid adds
(the demand's context fields, `listedByName` on votes, the co-signing `Accept`) are described in docs/demands.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from typing import Any

from fedaid.activitypub.notes import followers_of_actor, iso, origin_of, text_to_html
from fedaid.activitypub.parse import Activity, JSONDict, as_list, id_of, is_http_url, same_origin
from fedaid.activitypub.sanitize import sanitize_text
from fedaid.activitypub.vocab import ACTIVITY_CONTEXT, PUBLIC, ActivityType, ObjectType
from fedaid.errors import InvalidActivity
from fedaid.models import Actor, Demand, DemandCosigner, DemandStatus, DemandStatusChange

# The one option of a demand's poll: Mastodon shows it under the post, and a tap on it is a vote.
SUPPORT_OPTION = "Je soutiens / I support"
MAX_OPTIONS = 20  # Mitra's cap; Mastodon allows 4 by default
MAX_CLAIMS = 20
MAX_COSIGNERS = 500

_HEADLINES = {"fr": "REVENDICATION", "en": "DEMAND"}
_ADDRESSED = {"fr": "Adressée à\u00a0:", "en": "Addressed to:"}
_UNTIL = {"fr": "Soutiens jusqu’au", "en": "Support until"}
_STATUS = {
    "fr": {"open": "ouverte", "delivered": "remise", "answered": "répondue", "won": "gagnée", "lost": "perdue",
           "withdrawn": "retirée", "draft": "brouillon"},
    "en": {"open": "open", "delivered": "delivered", "answered": "answered", "won": "won", "lost": "lost",
           "withdrawn": "withdrawn", "draft": "draft"},
}  # fmt: skip


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class PollDoc:
    options: tuple[str, ...]
    counts: tuple[int, ...]
    is_multiple: bool
    voters_count: int
    expires_at: datetime | None
    closed_at: datetime | None


@dataclass(frozen=True)
class CosignerDoc:
    ap_id: str
    name: str
    url: str | None


@dataclass(frozen=True)
class DemandDoc:
    """fedaid's context fields on a Question: what makes it a collective demand."""

    target: str
    claims: tuple[str, ...]
    status: DemandStatus
    history: tuple[tuple[DemandStatus, datetime], ...]
    cosigners: tuple[CosignerDoc, ...]


@dataclass(frozen=True)
class VoteDoc:
    ap_id: str  # the vote Note's id
    activity_ap_id: str
    voter: str
    question: str
    choice: str
    is_named: bool  # fedaid's `listedByName`; Mastodon never sends it, so its votes are counted only


def parse_poll(doc: JSONDict) -> PollDoc | None:
    """The poll a Question carries (oneOf, or anyOf for several choices); None when it has no options."""
    is_multiple = "anyOf" in doc and "oneOf" not in doc
    entries = [entry for entry in as_list(doc.get("anyOf" if is_multiple else "oneOf")) if isinstance(entry, dict)]
    options = [sanitize_text(entry["name"]) for entry in entries if isinstance(entry.get("name"), str)]
    if not options:
        return None
    if len(options) > MAX_OPTIONS:
        raise InvalidActivity(f"too many poll options ({len(options)}, at most {MAX_OPTIONS})")
    counts = [_count(entry.get("replies")) for entry in entries if isinstance(entry.get("name"), str)]
    if not any(counts):  # the AS2 example lists the answers themselves in the Question's replies
        answers = [item.get("name") for item in as_list(_replies_items(doc)) if isinstance(item, dict)]
        counts = [answers.count(option) for option in options]
    voters = _count_value(doc.get("votersCount"))
    closed = doc.get("closed")
    return PollDoc(
        options=tuple(options),
        counts=tuple(counts),
        is_multiple=is_multiple,
        voters_count=voters if voters is not None else (max(counts) if is_multiple else sum(counts)),
        expires_at=_moment(doc.get("endTime")),
        closed_at=_moment(closed) or (_moment(doc.get("endTime")) if closed is True else None),
    )


def _moment(value: Any) -> datetime | None:
    """An RFC 3339 time; Pleroma writes `closed` without a zone, read as UTC."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _replies_items(doc: JSONDict) -> Any:
    replies = doc.get("replies")
    return replies.get("items") if isinstance(replies, dict) else None


def _count(replies: Any) -> int:
    return (_count_value(replies.get("totalItems")) if isinstance(replies, dict) else None) or 0


def _count_value(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def parse_demand(doc: JSONDict) -> DemandDoc | None:
    """The demand a Question from another fedaid instance describes; None for any other poll."""
    if "demandTarget" not in doc and "claims" not in doc:
        return None
    try:
        status = DemandStatus(doc.get("status"))
    except ValueError:
        status = DemandStatus.OPEN
    claims = tuple(sanitize_text(claim) for claim in as_list(doc.get("claims")) if isinstance(claim, str))
    history = []
    for entry in as_list(doc.get("statusHistory")):
        if isinstance(entry, dict) and entry.get("status") in set(DemandStatus):
            if (moment := _moment(entry.get("published"))) is not None:
                history.append((DemandStatus(entry["status"]), moment))
    cosigners = []
    for entry in as_list(doc.get("cosigners"))[:MAX_COSIGNERS]:
        ap_id = id_of(entry)
        if is_http_url(ap_id):
            info = entry if isinstance(entry, dict) else {}
            url = info.get("url")
            cosigners.append(
                CosignerDoc(ap_id, sanitize_text(info.get("name") or ""), url if is_http_url(url) else None)
            )
    return DemandDoc(
        target=sanitize_text(doc.get("demandTarget") or "") if isinstance(doc.get("demandTarget"), str) else "",
        claims=claims[:MAX_CLAIMS],
        status=status,
        history=tuple(history),
        cosigners=tuple(cosigners),
    )


def parse_vote(activity: Activity) -> VoteDoc | None:
    """The vote a Create carries: a Note with a `name` (the option), `inReplyTo` (the poll) and no content.

    None for any other Create; InvalidActivity when the vote claims another author than the activity's actor.
    """
    note = activity.object
    if activity.type != ActivityType.CREATE or not isinstance(note, dict):
        return None
    if ObjectType.NOTE not in as_list(note.get("type")) or note.get("content"):
        return None
    name, question = note.get("name"), id_of(note.get("inReplyTo"))
    if not isinstance(name, str) or not name.strip() or not is_http_url(question):
        return None
    note_id = id_of(note)
    if not is_http_url(note_id) or not same_origin(note_id, activity.actor_ap_id):
        raise InvalidActivity("the vote's id is not on its voter's server")
    if id_of(note.get("attributedTo")) != activity.actor_ap_id:
        raise InvalidActivity("the vote is attributed to another actor than the one who sent it")
    return VoteDoc(
        ap_id=note_id,
        activity_ap_id=activity.ap_id,
        voter=activity.actor_ap_id,
        question=question,
        choice=sanitize_text(name),
        is_named=note.get("listedByName") is True,
    )


# ---------------------------------------------------------------- writing


def status_label(status: str, language: str) -> str:
    return _STATUS[language if language in _STATUS else "fr"][status]


def demand_content(demand: Demand, *, language: str) -> str:
    """The HTML Mastodon users read above the poll: headline, title, target, text, then the claims."""
    language = language if language in _HEADLINES else "fr"
    base = origin_of(demand.ap_id or "https://localhost")
    headline = f"{_HEADLINES[language]} ({status_label(demand.status, language)})"
    parts = [
        f"<p>{escape(headline, quote=False)}</p>",
        f"<p><strong>{escape(demand.title, quote=False)}</strong></p>",
    ]
    if demand.target:
        parts.append(f"<p>{_ADDRESSED[language]} {escape(demand.target, quote=False)}</p>")
    if demand.text.strip():
        parts.append(text_to_html(demand.text, base_url=base)[0])
    if demand.claims:
        parts.append("<ul>" + "".join(f"<li>{escape(claim, quote=False)}</li>" for claim in demand.claims) + "</ul>")
    if demand.deadline is not None:
        parts.append(f"<p>{_UNTIL[language]} {demand.deadline.date().isoformat()}</p>")
    return "".join(parts)


def render_question(
    demand: Demand,
    collective: Actor,
    *,
    content: str,
    voters_count: int,
    attachments: Sequence[JSONDict] = (),
    history: Sequence[DemandStatusChange],
    cosigners: Sequence[DemandCosigner],
    now: datetime,
) -> JSONDict:
    """A published demand as a Question owned by its collective's Group, with one option (oneOf), and its
    pictures and documents as `attachment` (rendered as a Note's, `attachments.render_attachments`)."""
    if demand.ap_id is None or demand.published_at is None:
        raise ValueError("only a published demand has a Question")
    question: JSONDict = {
        "@context": list(ACTIVITY_CONTEXT),
        "id": demand.ap_id,
        "type": ObjectType.QUESTION.value,
        "attributedTo": collective.ap_id,
        "name": demand.title,
        "content": content,
        "contentMap": {demand.language: content},
        "url": demand.ap_id,
        "published": iso(demand.published_at),
        "to": [PUBLIC],
        "cc": [followers_of_actor(collective)],
        "sensitive": False,
        "tag": [],
        "oneOf": [
            {
                "type": ObjectType.NOTE.value,
                "name": SUPPORT_OPTION,
                "replies": {"type": ObjectType.COLLECTION.value, "totalItems": voters_count},
            }
        ],
        "votersCount": voters_count,
        "demandTarget": demand.target,
        "claims": list(demand.claims),
        "status": str(demand.status),
        "statusHistory": [{"status": str(row.status), "published": iso(row.changed_at)} for row in history],
        "cosigners": [
            {"type": "Group", "id": row.group_ap_id, "name": row.name, **({"url": row.url} if row.url else {})}
            for row in cosigners
        ],
    }
    if attachments:
        question["attachment"] = list(attachments)
    if demand.updated_at is not None:
        question["updated"] = iso(demand.updated_at)
    if demand.deadline is not None:
        question["endTime"] = iso(demand.deadline)
        if demand.deadline <= now:
            question["closed"] = iso(demand.deadline)
    return question


def render_question_update(question: JSONDict, *, sequence: int) -> JSONDict:
    """Update(Question) with the full Question; `sequence` makes each Update's id its own."""
    body = {key: value for key, value in question.items() if key != "@context"}
    return {
        "@context": list(ACTIVITY_CONTEXT),
        "id": f"{question['id']}#updates/{sequence}",
        "type": ActivityType.UPDATE.value,
        "actor": question["attributedTo"],
        "to": question["to"],
        "cc": question["cc"],
        "object": body,
    }


def render_vote(
    *, note_id: str, voter: Actor, question_ap_id: str, owner_ap_id: str, option: str, is_named: bool
) -> JSONDict:
    """Our member's vote, in Mastodon's shape, plus `listedByName` for fedaid owners."""
    note = {
        "id": note_id,
        "type": ObjectType.NOTE.value,
        "name": option,
        "attributedTo": voter.ap_id,
        "to": [owner_ap_id],
        "inReplyTo": question_ap_id,
        "listedByName": is_named,
    }
    return {
        "@context": list(ACTIVITY_CONTEXT),
        "id": f"{note_id}/activity",
        "type": ActivityType.CREATE.value,
        "actor": voter.ap_id,
        "to": [owner_ap_id],
        "object": note,
    }


def render_vote_delete(*, note_id: str, voter: Actor, owner_ap_id: str) -> JSONDict:
    """Taking a vote back: Delete of the vote Note, to the poll's owner only."""
    return {
        "@context": list(ACTIVITY_CONTEXT),
        "id": f"{note_id}/delete",
        "type": ActivityType.DELETE.value,
        "actor": voter.ap_id,
        "to": [owner_ap_id],
        "object": {"id": note_id, "type": ObjectType.TOMBSTONE.value},
    }


def render_endorsement(
    group: Actor, *, endorsement_id: str, question_ap_id: str, owner_ap_id: str, published: datetime
) -> JSONDict:
    """A collective co-signs a demand: its Group `Accept`s the Question (docs/demands.md)."""
    return {
        "@context": list(ACTIVITY_CONTEXT),
        "id": endorsement_id,
        "type": ActivityType.ACCEPT.value,
        "actor": group.ap_id,
        "published": iso(published),
        "to": [owner_ap_id],
        "cc": [PUBLIC, followers_of_actor(group)],
        "object": question_ap_id,
    }
