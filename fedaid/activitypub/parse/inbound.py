"""A verified activity read into the one message the inbox worker dispatches.

`read_activity` decides what an activity is about (a Follow answered, an agreement offered, a post
created...) and parses every document it carries, once; the domain receives typed values, never JSON.
An activity about nothing we keep reads as `Ignored`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fedaid.activitypub.parse.activities import Activity, parse_activity, parse_tombstone
from fedaid.activitypub.parse.agreements import (
    AgreementAcceptDoc,
    AgreementOfferDoc,
    AgreementRejectDoc,
    ConfirmationDoc,
    is_confirmation,
    parse_agreement_accept,
    parse_agreement_offer,
    parse_agreement_reject,
    parse_confirmation,
)
from fedaid.activitypub.parse.events import EventDoc, JoinDoc, is_event, join_reference, parse_event, parse_join
from fedaid.activitypub.parse.notes import NoteDoc, parse_note
from fedaid.activitypub.parse.values import JSONDict, as_list, id_of, plain, same_origin
from fedaid.activitypub.vocab import ACTIVITY_TYPES, ACTOR_TYPES, POST_TYPES, ActivityType
from fedaid.errors import InvalidActivity


@dataclass(frozen=True)
class FollowRef:
    """A Follow as an Accept, Reject or Undo names it: its id, and its actor and object when embedded."""

    ap_id: str | None
    follower_ap_id: str | None = None
    target_ap_id: str | None = None


@dataclass(frozen=True)
class Ignored:
    reason: str


@dataclass(frozen=True)
class FollowRequested:
    ap_id: str
    target_ap_id: str | None


@dataclass(frozen=True)
class Answered:
    """Accept or Reject: of a Follow, or of a FEP-0837 agreement offer, or (a bare id) either."""

    is_accept: bool
    follow: FollowRef | None  # None when it cannot be about a Follow
    join_ap_id: str | None  # the Join it answers, when it may answer one (Mobilizon's RSVP flow)
    agreement: AgreementAcceptDoc | AgreementRejectDoc | None  # None when it is not about an agreement
    agreement_error: str = ""  # why it is not, when it could have been


@dataclass(frozen=True)
class AgreementOffered:
    doc: AgreementOfferDoc


@dataclass(frozen=True)
class AgreementConfirmed:
    doc: ConfirmationDoc


@dataclass(frozen=True)
class Undone:
    """Undo of a Follow, Like, Announce or agreement step; `kind` None when only the id is given."""

    kind: str | None
    ap_id: str | None
    object_ap_id: str | None  # the inner activity's object, when embedded
    follow: FollowRef
    offer: AgreementOfferDoc | None = None
    accept: AgreementAcceptDoc | None = None
    agreement_error: str = ""


@dataclass(frozen=True)
class PostCreated:
    """Create of a post or an event: embedded (`note`, `event`), or by id only (both None: its origin says
    what it is)."""

    ap_id: str
    note: NoteDoc | None
    event: EventDoc | None = None  # a session published elsewhere (Mobilizon, Gancio, a fedaid circle)


@dataclass(frozen=True)
class PostUpdated:
    note: NoteDoc | None
    event: EventDoc | None = None  # a session moved, or cancelled by its ical:status


@dataclass(frozen=True)
class Joined:
    """Join of one of our sessions, or of a circle (a Group: then the same as a Follow)."""

    join: JoinDoc


@dataclass(frozen=True)
class Left:
    target_ap_id: str | None


@dataclass(frozen=True)
class Arrived:
    """A confirmed attendance of a group session: `participant_ap_id` arrived at `event_ap_id`."""

    participant_ap_id: str | None
    event_ap_id: str | None


@dataclass(frozen=True)
class ActorUpdated:
    ap_id: str


@dataclass(frozen=True)
class PostDeleted:
    ap_id: str


@dataclass(frozen=True)
class ActorDeleted:
    ap_id: str


@dataclass(frozen=True)
class Wrapped:
    """Announce of a whole activity: a FEP-1b12 Group distributing a member's activity."""

    inner: Activity


@dataclass(frozen=True)
class Boosted:
    ap_id: str
    object_ap_id: str | None


@dataclass(frozen=True)
class Liked:
    ap_id: str
    object_ap_id: str | None


@dataclass(frozen=True)
class Blocked:
    target_ap_id: str | None


@dataclass(frozen=True)
class Reported:
    ap_id: str
    object_ap_ids: tuple[str, ...]
    comment: str  # plain text


@dataclass(frozen=True)
class Moved:
    target_ap_id: str


Received = (
    Ignored
    | FollowRequested
    | Answered
    | AgreementOffered
    | AgreementConfirmed
    | Undone
    | PostCreated
    | PostUpdated
    | ActorUpdated
    | PostDeleted
    | ActorDeleted
    | Wrapped
    | Boosted
    | Liked
    | Blocked
    | Reported
    | Moved
    | Joined
    | Left
    | Arrived
)


def read_activity(activity: Activity, *, followers_url: str | None = None) -> Received:
    """What `activity` asks of us, its documents parsed; `followers_url` is its actor's, for post visibility."""
    match activity.type:
        case ActivityType.FOLLOW:
            return FollowRequested(activity.ap_id, activity.object_ap_id)
        case ActivityType.ACCEPT:
            return _accept(activity)
        case ActivityType.REJECT:
            return _reject(activity)
        case ActivityType.OFFER:
            return _guarded(lambda: AgreementOffered(parse_agreement_offer(activity.raw)))
        case ActivityType.UNDO:
            return _undo(activity)
        case ActivityType.CREATE:
            return _create(activity, followers_url)
        case ActivityType.UPDATE:
            return _update(activity, followers_url)
        case ActivityType.DELETE:
            return _delete(activity)
        case ActivityType.ANNOUNCE:
            return _announce(activity)
        case ActivityType.LIKE:
            return Liked(activity.ap_id, activity.object_ap_id)
        case ActivityType.BLOCK:
            return Blocked(activity.object_ap_id)
        case ActivityType.FLAG:
            return _flag(activity)
        case ActivityType.MOVE:
            return _move(activity)
        case ActivityType.JOIN:
            return Joined(parse_join(activity.raw))
        case ActivityType.LEAVE:
            return Left(activity.object_ap_id)
        case ActivityType.ARRIVE:
            return Arrived(activity.object_ap_id, id_of(activity.raw.get("location")))
        case _:
            return Ignored(f"{activity.type} is not a type we act on")


def embedded_type(value: object) -> str | None:
    """The (first known) type of an embedded object; None for a bare id."""
    if not isinstance(value, dict):
        return None
    names = [name for name in as_list(value.get("type")) if isinstance(name, str)]
    return next(
        (name for name in names if name in ACTIVITY_TYPES or name in POST_TYPES or name in ACTOR_TYPES),
        names[0] if names else None,
    )


def has_post_type(value: object) -> bool:
    return isinstance(value, dict) and any(name in POST_TYPES for name in as_list(value.get("type")))


def attributed_to(doc: JSONDict) -> str | None:
    """The first author a fetched object names, before it is parsed."""
    for entry in as_list(doc.get("attributedTo")):
        if (found := id_of(entry)) is not None:
            return found
    return None


def follow_ref(value: str | JSONDict | None) -> FollowRef:
    if isinstance(value, dict):
        return FollowRef(id_of(value), id_of(value.get("actor")), id_of(value.get("object")))
    return FollowRef(id_of(value))


def deletes_itself(activity: Activity) -> bool:
    """A Delete of its own actor: applied without fetching that actor, which is gone."""
    return activity.type == ActivityType.DELETE and activity.object_ap_id == activity.actor_ap_id


def _guarded(read: Callable[[], Received]) -> Received:
    """A FEP-0837 step that does not parse is about nothing of ours: acknowledged, ignored."""
    try:
        return read()
    except InvalidActivity as err:
        return Ignored(f"not an agreement activity: {err}")


def _accept(activity: Activity) -> Answered:
    """Accept of a Follow (embedded, or its id as Mitra sends it), else of a FEP-0837 agreement offer."""
    kind = embedded_type(activity.object)
    join = _join_answered(activity, kind)
    may_be_follow = kind == ActivityType.FOLLOW or (kind is None and "result" not in activity.raw)
    follow = follow_ref(activity.object) if may_be_follow else None
    if kind == ActivityType.FOLLOW:
        return Answered(True, follow, join, None)
    try:
        return Answered(True, follow, join, parse_agreement_accept(activity.raw))
    except InvalidActivity as err:
        return Answered(True, follow, join, None, str(err))


def _reject(activity: Activity) -> Answered:
    """Reject of a Follow (a refusal, or "remove follower"), else of a FEP-0837 agreement offer."""
    kind = embedded_type(activity.object)
    join = _join_answered(activity, kind)
    follow = follow_ref(activity.object) if kind in (None, ActivityType.FOLLOW) else None
    if kind == ActivityType.FOLLOW:
        return Answered(False, follow, join, None)
    try:
        return Answered(False, follow, join, parse_agreement_reject(activity.raw))
    except InvalidActivity as err:
        return Answered(False, follow, join, None, str(err))


def _join_answered(activity: Activity, kind: str | None) -> str | None:
    """Mobilizon's answer to a Join names the Join embedded, or its id alone."""
    if kind not in (ActivityType.JOIN, None):
        return None
    join_id, _ = join_reference(activity.object)
    return join_id


def _undo(activity: Activity) -> Undone:
    inner = activity.object
    inner_actor = id_of(inner.get("actor")) if isinstance(inner, dict) else None
    if inner_actor is not None and inner_actor != activity.actor_ap_id:
        raise InvalidActivity("an actor can only undo its own activities")
    kind = embedded_type(inner)
    object_ap_id = id_of(inner.get("object")) if isinstance(inner, dict) else None
    undone = Undone(kind, id_of(inner), object_ap_id, follow_ref(inner))
    if isinstance(inner, dict) and kind in (ActivityType.OFFER, ActivityType.ACCEPT):
        try:
            if kind == ActivityType.OFFER:
                return Undone(kind, undone.ap_id, object_ap_id, undone.follow, offer=parse_agreement_offer(inner))
            return Undone(kind, undone.ap_id, object_ap_id, undone.follow, accept=parse_agreement_accept(inner))
        except InvalidActivity as err:
            return Undone(kind, undone.ap_id, object_ap_id, undone.follow, agreement_error=str(err))
    return undone


def _create(activity: Activity, followers_url: str | None) -> Received:
    if is_confirmation(activity.raw):  # FEP-0837: the other party confirms that the help was given
        return _guarded(lambda: AgreementConfirmed(parse_confirmation(activity.raw)))
    obj = activity.object
    if isinstance(obj, str):
        return PostCreated(obj, None)
    event = parse_event(obj) if is_event(obj) else None
    if isinstance(obj, dict) and (embedded_type(obj) in POST_TYPES or has_post_type(obj)):
        note = parse_note(_with_author(obj, activity.actor_ap_id), followers_url=followers_url)
        return PostCreated(note.ap_id, note, event)
    if event is not None:
        return PostCreated(event.ap_id, None, event)
    return Ignored("Create of something that is not a post (e.g. a Question's vote, an Offer)")


def _with_author(obj: JSONDict, actor_ap_id: str) -> JSONDict:
    """A post created without `attributedTo` is its creator's when both share an origin (as Mastodon's
    ActivityPub::Activity::Create reads it); across origins it stays unattributed, and is refused."""
    if obj.get("attributedTo") or not same_origin(id_of(obj), actor_ap_id):
        return obj
    return {**obj, "attributedTo": actor_ap_id}


def _update(activity: Activity, followers_url: str | None) -> Received:
    obj = activity.object
    if activity.object_ap_id == activity.actor_ap_id:
        return ActorUpdated(activity.actor_ap_id)
    event = parse_event(obj) if is_event(obj) else None  # type: ignore[arg-type]
    if isinstance(obj, dict) and has_post_type(obj):
        return PostUpdated(parse_note(obj, followers_url=followers_url), event)
    if event is not None:
        return PostUpdated(None, event)
    return Ignored("Update of something that is not a post or the actor itself")


def _delete(activity: Activity) -> Received:
    if activity.object is None:
        raise InvalidActivity("Delete has no object")
    if activity.object_ap_id == activity.actor_ap_id:
        return ActorDeleted(activity.actor_ap_id)
    return PostDeleted(parse_tombstone(activity.object).ap_id)


def _announce(activity: Activity) -> Received:
    obj = activity.object
    if isinstance(obj, dict) and embedded_type(obj) in ACTIVITY_TYPES:
        return Wrapped(parse_activity(obj))
    return Boosted(activity.ap_id, id_of(obj))


def _flag(activity: Activity) -> Reported:
    ids = tuple(ref for ref in (id_of(item) for item in activity.objects) if ref)
    return Reported(activity.ap_id, ids, plain(activity.raw.get("content")))


def _move(activity: Activity) -> Moved:
    target = id_of(activity.target)
    if activity.object_ap_id != activity.actor_ap_id or target is None or target == activity.actor_ap_id:
        raise InvalidActivity("Move must move its own actor to another one")
    return Moved(target)
