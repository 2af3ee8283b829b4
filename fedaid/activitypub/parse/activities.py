"""Activities, the tombstones a Delete names, and collections (outboxes, followers, replies)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from fedaid.activitypub.parse.values import (
    JSONDict,
    as_list,
    audience_of,
    datetime_of,
    id_of,
    is_http_url,
    own_id,
    require_dict,
    required_url,
    same_origin,
    type_names,
)
from fedaid.activitypub.vocab import ACTIVITY_TYPES, COLLECTION_TYPES, PUBLIC, ActivityType
from fedaid.errors import InvalidActivity


@dataclass(frozen=True, slots=True)
class Activity:
    ap_id: str
    type: str
    actor_ap_id: str
    objects: tuple[str | JSONDict, ...]  # usually one; Flag lists several
    target: str | JSONDict | None
    to: tuple[str, ...]  # every spelling of the public address is given as vocab.PUBLIC
    cc: tuple[str, ...]
    audience: tuple[str, ...]
    published_at: datetime | None
    raw: JSONDict = field(compare=False, repr=False)

    @property
    def object(self) -> str | JSONDict | None:
        return self.objects[0] if self.objects else None

    @property
    def object_ap_id(self) -> str | None:
        return id_of(self.object)

    @property
    def is_public(self) -> bool:
        return PUBLIC in self.to or PUBLIC in self.cc


@dataclass(frozen=True)
class TombstoneDoc:
    ap_id: str
    former_type: str | None
    deleted_at: datetime | None


@dataclass(frozen=True)
class CollectionDoc:
    ap_id: str | None  # embedded pages often have none
    type: str
    total_items: int | None
    first: str | JSONDict | None
    next: str | None
    part_of: str | None
    items: tuple[str | JSONDict, ...]


def parse_activity(doc: JSONDict) -> Activity:
    """An activity as delivered to an inbox or found in an outbox."""
    require_dict(doc, "an activity")
    types = type_names(doc.get("type"))
    if not types:
        raise InvalidActivity("activity type is missing")
    # Mastodon ignores array activity types (misskey-dev/misskey#7535); we read the first one we know.
    kind = next((name for name in types if name in ACTIVITY_TYPES), types[0])
    ap_id = own_id(doc, "activity id")
    actor = required_url(doc.get("actor"), "activity actor")
    if not same_origin(ap_id, actor):
        raise InvalidActivity("activity id and actor are on different servers")
    objects = tuple(item for item in as_list(doc.get("object")) if isinstance(item, (str, dict)))
    if kind in (ActivityType.CREATE, ActivityType.UPDATE, ActivityType.DELETE):
        _check_own_objects(kind, objects, actor)
    target = doc.get("target")
    to, cc, audience = audience_of(doc)
    return Activity(
        ap_id=ap_id,
        type=kind,
        actor_ap_id=actor,
        objects=objects,
        target=target if isinstance(target, (str, dict)) else None,
        to=to,
        cc=cc,
        audience=audience,
        published_at=datetime_of(doc.get("published")),
        raw=doc,
    )


def _check_own_objects(kind: str, objects: tuple[str | JSONDict, ...], actor: str) -> None:
    """Create, Update and Delete may only touch objects on the actor's server (FEP-fe34)."""
    if not objects:
        raise InvalidActivity(f"{kind} has no object")
    for item in objects:
        object_id = required_url(item, f"{kind} object id")
        if not same_origin(object_id, actor):
            raise InvalidActivity(f"{kind} object is on another server than the actor")


def parse_tombstone(value: str | JSONDict) -> TombstoneDoc:
    """What a Delete removes: an id string, a Tombstone, or the (former) object itself."""
    ap_id = required_url(value, "deleted object id")
    if not isinstance(value, dict):
        return TombstoneDoc(ap_id=ap_id, former_type=None, deleted_at=None)
    former = type_names(value.get("formerType"))
    return TombstoneDoc(
        ap_id=ap_id, former_type=former[0] if former else None, deleted_at=datetime_of(value.get("deleted"))
    )


def parse_collection(doc: JSONDict) -> CollectionDoc:
    """A Collection or one of its pages (outboxes, followers, featured posts, replies)."""
    require_dict(doc, "a collection")
    kind = next((name for name in type_names(doc.get("type")) if name in COLLECTION_TYPES), None)
    if kind is None:
        raise InvalidActivity("type is not a Collection, OrderedCollection or one of their pages")
    ap_id = doc.get("id")
    if ap_id is not None and not is_http_url(ap_id):
        raise InvalidActivity("collection id is not an http(s) URL")
    items = doc.get("orderedItems") if "orderedItems" in doc else doc.get("items")
    total = doc.get("totalItems")
    first = doc.get("first")
    return CollectionDoc(
        ap_id=ap_id,
        type=kind,
        total_items=total if isinstance(total, int) and not isinstance(total, bool) and total >= 0 else None,
        first=first if isinstance(first, (str, dict)) else None,
        next=id_of(doc.get("next")),
        part_of=id_of(doc.get("partOf")),
        items=tuple(item for item in as_list(items) if isinstance(item, (str, dict))),
    )
