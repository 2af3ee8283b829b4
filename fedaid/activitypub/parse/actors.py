"""Actors and their keys, with what Mastodon requires of an actor it accepts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from fedaid.activitypub.parse.values import (
    JSONDict,
    addresses,
    as_list,
    datetime_of,
    first_url,
    host_of,
    html_of,
    id_of,
    is_http_url,
    optional_url,
    own_id,
    plain,
    require_dict,
    required_url,
    same_origin,
    type_names,
)
from fedaid.activitypub.vocab import ACTOR_TYPES, ObjectType
from fedaid.errors import InvalidActivity

MAX_PROFILE_FIELDS = 20
_USERNAME = re.compile(r"[^\s@/]{1,255}")


@dataclass(frozen=True)
class ProfileField:
    name: str  # plain text
    value: str  # sanitised HTML


@dataclass(frozen=True)
class ActorDoc:
    ap_id: str
    type: str
    preferred_username: str  # or the id's last segment when the actor has none (`has_username` False)
    has_username: bool
    name: str  # plain text, "" when absent
    summary: str  # sanitised HTML
    inbox: str
    outbox: str | None
    followers: str | None
    following: str | None
    shared_inbox: str | None
    featured: str | None
    public_key_id: str | None
    public_key_pem: str | None
    public_key_owner: str | None
    url: str | None  # the HTML profile, only when on the actor's host (Mastodon's ProcessAccountService)
    icon_url: str | None
    image_url: str | None
    manually_approves_followers: bool
    discoverable: bool
    indexable: bool
    moved_to: str | None
    also_known_as: tuple[str, ...]
    fields: tuple[ProfileField, ...]
    published_at: datetime | None
    group_kind: str | None  # fedaid's `groupKind` (collective, circle), as sent
    raw: JSONDict = field(compare=False, repr=False)


@dataclass(frozen=True)
class KeyDoc:
    key_id: str
    owner: str
    pem: str
    # True when the key was read from its owner's own document (an actor, or GoToSocial's stub).
    # A key standing alone needs the owner fetched and its publicKey.id compared (FetchRemoteKeyService).
    is_from_owner_document: bool


def name_from_id(ap_id: str) -> str:
    """The last non-empty path segment of an actor id (`https://bridge.example/actors/x7` → `x7`), else its host."""
    parts = urlsplit(ap_id)
    segments = [unquote(segment) for segment in parts.path.split("/") if segment]
    name = re.sub(r"[\s@/]+", "_", segments[-1] if segments else parts.hostname or "actor")
    return name[:255] or "actor"


def is_actor_document(doc: JSONDict) -> bool:
    """Whether a fetched document is an actor (one of its types is an AS2 actor type)."""
    return any(name in ACTOR_TYPES for name in type_names(doc.get("type")))


def parse_actor(doc: JSONDict) -> ActorDoc:
    """A remote actor: known type and inbox, as Mastodon asks (ProcessAccountService). `preferredUsername` is
    optional in ActivityStreams and some servers and bridges leave it out: the name is then the last segment of
    the id, and `has_username` says so (there is no WebFinger address to confirm)."""
    require_dict(doc, "an actor")
    ap_id = own_id(doc, "actor id")
    kind = next((name for name in type_names(doc.get("type")) if name in ACTOR_TYPES), None)
    if kind is None:
        raise InvalidActivity("actor type must be Person, Service, Application, Group or Organization")
    username = doc.get("preferredUsername")
    has_username = isinstance(username, str) and bool(username)
    if not has_username:
        username = name_from_id(ap_id)
    if not isinstance(username, str) or not _USERNAME.fullmatch(username):
        raise InvalidActivity("actor preferredUsername holds spaces, '@' or '/', or is too long")
    inbox = required_url(doc.get("inbox"), "actor inbox")
    key_id, key_pem, key_owner = _actor_key(doc.get("publicKey"), ap_id)
    endpoints = doc.get("endpoints")
    shared_inbox = (endpoints.get("sharedInbox") if isinstance(endpoints, dict) else None) or doc.get("sharedInbox")
    url = first_url(doc.get("url"))
    return ActorDoc(
        ap_id=ap_id,
        type=kind,
        preferred_username=username,
        has_username=has_username,
        name=plain(doc.get("name")),
        summary=html_of(doc.get("summary")),
        inbox=inbox,
        outbox=optional_url(id_of(doc.get("outbox"))),
        followers=optional_url(id_of(doc.get("followers"))),
        following=optional_url(id_of(doc.get("following"))),
        shared_inbox=optional_url(shared_inbox),
        featured=optional_url(id_of(doc.get("featured"))),
        public_key_id=key_id,
        public_key_pem=key_pem,
        public_key_owner=key_owner,
        # Mastodon ignores a profile url on another host (mismatching_origin?).
        url=url if is_http_url(url) and host_of(url) == host_of(ap_id) else None,
        icon_url=optional_url(first_url(doc.get("icon"))),
        image_url=optional_url(first_url(doc.get("image"))),
        manually_approves_followers=doc.get("manuallyApprovesFollowers") is True,
        discoverable=doc.get("discoverable") is True,
        indexable=doc.get("indexable") is True,
        moved_to=optional_url(id_of(doc.get("movedTo"))),
        also_known_as=tuple(a for a in addresses(doc.get("alsoKnownAs")) if is_http_url(a)),
        fields=_profile_fields(doc.get("attachment")),
        published_at=datetime_of(doc.get("published")),
        group_kind=doc["groupKind"] if isinstance(doc.get("groupKind"), str) else None,
        raw=doc,
    )


def _actor_key(value: Any, ap_id: str) -> tuple[str | None, str | None, str | None]:
    """The actor's (first) publicKey: id, PEM and owner, checked against the actor id."""
    keys = as_list(value)
    if not keys:
        return None, None, None
    key = keys[0]  # Mastodon reads the first one (first_of_value)
    if not isinstance(key, (str, dict)):
        raise InvalidActivity("actor publicKey must be an object")
    key_id = required_url(key, "actor publicKey.id")
    if not same_origin(key_id, ap_id):
        raise InvalidActivity("actor publicKey.id is on another server than the actor")
    if not isinstance(key, dict):
        return key_id, None, None
    owner = id_of(key.get("owner"))
    if owner is not None and owner != ap_id:
        raise InvalidActivity("actor publicKey.owner is not the actor")
    pem = key.get("publicKeyPem")
    return key_id, pem if isinstance(pem, str) and pem.strip() else None, owner


def _profile_fields(value: Any) -> tuple[ProfileField, ...]:
    fields = []
    for entry in as_list(value):
        if isinstance(entry, dict) and ObjectType.PROPERTY_VALUE in type_names(entry.get("type")):
            fields.append(ProfileField(name=plain(entry.get("name")), value=html_of(entry.get("value"))))
    return tuple(fields[:MAX_PROFILE_FIELDS])


def parse_key_document(doc: JSONDict, *, key_id: str | None = None) -> KeyDoc:
    """The key behind a signature's keyId, from whatever the keyId URL serves (Mastodon's FetchRemoteKeyService).

    That is an actor holding `publicKey`, GoToSocial's `/main-key` stub (the same shape), or a
    key standing alone (`publicKeyPem` + `owner`). With `key_id`, the key must be that one.
    """
    require_dict(doc, "a key document")
    if "publicKeyPem" in doc:
        found_id = own_id(doc, "key id")
        owner = required_url(doc.get("owner"), "key owner")
        pem, from_owner = doc.get("publicKeyPem"), False
    else:
        holder = own_id(doc, "key document id")
        key = _choose_key(as_list(doc.get("publicKey")), key_id)
        found_id = required_url(key.get("id"), "publicKey.id")
        owner = id_of(key.get("owner")) or holder
        if owner != holder:
            raise InvalidActivity("publicKey.owner is not the document holding the key")
        pem, from_owner = key.get("publicKeyPem"), True
    if not isinstance(pem, str) or not pem.strip():
        raise InvalidActivity("publicKeyPem is missing")
    if not same_origin(found_id, owner):
        raise InvalidActivity("the key and its owner are on different servers")
    if key_id is not None and found_id != key_id:
        raise InvalidActivity("the document does not hold the requested key")
    return KeyDoc(key_id=found_id, owner=owner, pem=pem, is_from_owner_document=from_owner)


def _choose_key(keys: list[Any], key_id: str | None) -> JSONDict:
    if not keys:
        raise InvalidActivity("publicKey is missing")
    key = keys[0] if key_id is None else next((k for k in keys if id_of(k) == key_id), None)
    if key is None:
        raise InvalidActivity("the document does not hold the requested key")
    if not isinstance(key, dict):
        raise InvalidActivity("publicKey must be an object with publicKeyPem")
    return key
