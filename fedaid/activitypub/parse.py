"""Untrusted ActivityPub JSON in, frozen dataclasses out, or `InvalidActivity` saying what is wrong.

Pure and synchronous: no network, no database, no settings. Values may come in every shape peers
send (INTEROP 78): a scalar or a list, an id string or an embedded object.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, TypeAlias, TypeGuard
from urllib.parse import urlsplit

import orjson

from fedaid.activitypub.sanitize import sanitize_html, sanitize_text
from fedaid.activitypub.vocab import (
    ACTIVITY_TYPES,
    ACTOR_TYPES,
    AS_CONTEXT,
    COLLECTION_TYPES,
    POST_TYPES,
    PROPOSAL_FIELDS,
    PUBLIC,
    PUBLIC_ADDRESSES,
    ActivityType,
    ObjectType,
)
from fedaid.errors import InvalidActivity

JSONDict: TypeAlias = dict[str, Any]
Visibility: TypeAlias = Literal["public", "unlisted", "followers", "direct"]

# Limits on what one document may hold (INTEROP 82). Bodies are capped in bytes before this.
MAX_DEPTH = 64
MAX_URL_LENGTH = 2048
MAX_ADDRESSEES = 1000
MAX_TAGS = 200
MAX_ATTACHMENTS = 16
MAX_PROFILE_FIELDS = 20

_DEFAULT_PORTS = {"http": 80, "https": 443}
# PostgreSQL text cannot hold NUL, and a lone surrogate cannot be encoded back to UTF-8.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*")
_USERNAME = re.compile(r"[^\s@/]{1,255}")
_URL_FORBIDDEN = re.compile(r"[\s\x00-\x1f\x7f]")  # whitespace (Unicode too) and control characters
# The usual URL, read without urlsplit: http(s), an ASCII host name and maybe a port, then the path.
_PLAIN_HTTP_URL = re.compile(r"(https?)://([a-z0-9][a-z0-9.-]*)(?::([0-9]{1,5}))?(?=[/?#]|\Z)", re.IGNORECASE)
_RISKY_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89abcdefABCDEF])")  # \u0000, or half of a surrogate pair


# ---------------------------------------------------------------- parsed documents


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
class ProfileField:
    name: str  # plain text
    value: str  # sanitised HTML


@dataclass(frozen=True)
class ActorDoc:
    ap_id: str
    type: str
    preferred_username: str
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
    url: str | None  # the HTML profile, only when on the actor's host (INTEROP 21)
    icon_url: str | None
    image_url: str | None
    manually_approves_followers: bool
    discoverable: bool
    indexable: bool
    moved_to: str | None
    also_known_as: tuple[str, ...]
    fields: tuple[ProfileField, ...]
    published_at: datetime | None
    raw: JSONDict = field(compare=False, repr=False)


@dataclass(frozen=True)
class KeyDoc:
    key_id: str
    owner: str
    pem: str
    # True when the key was read from its owner's own document (an actor, or GoToSocial's stub).
    # A key standing alone needs the owner fetched and its publicKey.id compared (INTEROP 37).
    is_from_owner_document: bool


@dataclass(frozen=True)
class Attachment:
    type: str
    url: str
    media_type: str | None
    name: str  # alt text, plain


@dataclass(frozen=True)
class NoteDoc:
    ap_id: str
    type: str  # the first post type, e.g. "Note" for ["Note", "Proposal"]
    types: tuple[str, ...]
    attributed_to: str
    content: str  # sanitised HTML
    summary: str  # content warning, plain text
    name: str  # title, plain text
    sensitive: bool
    in_reply_to: str | None
    url: str | None
    published_at: datetime | None
    updated_at: datetime | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    audience: tuple[str, ...]
    visibility: Visibility
    hashtags: tuple[str, ...]  # lowercased, without "#"
    mentions: tuple[str, ...]  # actor ids (Mention hrefs)
    language: str | None
    attachments: tuple[Attachment, ...]
    context: str | None
    conversation: str | None
    extra: JSONDict = field(compare=False)  # FEP-0837 and fedaid fields, raw (vocab.PROPOSAL_FIELDS)
    raw: JSONDict = field(compare=False, repr=False)

    @property
    def is_proposal(self) -> bool:
        return ObjectType.PROPOSAL in self.types or "purpose" in self.extra


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


# ---------------------------------------------------------------- JSON


def load_json_object(body: bytes, *, max_depth: int = MAX_DEPTH) -> JSONDict:
    """Decode a request or response body that must hold one JSON object of bounded depth."""
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:  # refused: the standard decoder says precisely why (or takes it)
        doc = _decode_strictly(body, max_depth)
    if not isinstance(doc, dict):
        raise InvalidActivity("the JSON body must be an object")
    # Cheap bounds on the text spare most documents the walk: brackets (counted even inside strings)
    # bound the depth, and a NUL or a lone surrogate can only come from a \u escape, since strict
    # decoding refuses raw control characters and UTF-8 refuses encoded surrogates.
    may_be_deep = body.count(b"{") + body.count(b"[") > max_depth
    may_be_unstorable = b"\\u" in body and _RISKY_ESCAPE.search(body) is not None  # `in` is a fast memchr
    if may_be_deep or may_be_unstorable:
        _check_tree(doc, max_depth, check_strings=may_be_unstorable)
    return doc


def _decode_strictly(body: bytes, max_depth: int) -> Any:
    """The standard library's decoder, for what orjson refused: its errors name the fault."""
    try:
        text = bytes(body).decode("utf-8")
    except UnicodeDecodeError as err:
        raise InvalidActivity("the body is not valid UTF-8") from err
    try:
        return _DECODER.decode(text)
    except RecursionError as err:  # the C decoder recurses once per level
        raise InvalidActivity(f"the JSON is nested deeper than {max_depth} levels") from err
    except ValueError as err:  # JSONDecodeError, NaN/Infinity, integers past Python's digit limit
        raise InvalidActivity(f"the body is not valid JSON: {err}") from err


def has_as_context(doc: JSONDict) -> bool:
    """Whether @context names ActivityStreams; Mastodon drops documents without it (INTEROP 13)."""
    context = doc.get("@context")
    return context == AS_CONTEXT or (isinstance(context, list) and AS_CONTEXT in context)


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not allowed")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is out of range")
    return value


_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)  # one, not one per call


def _check_tree(doc: JSONDict, max_depth: int, *, check_strings: bool = True) -> None:
    """Walk the decoded tree without recursion: bounded depth, and storable strings if asked."""
    stack: list[tuple[JSONDict | list[Any], int]] = [(doc, 1)]
    while stack:
        container, depth = stack.pop()
        if depth > max_depth:
            raise InvalidActivity(f"the JSON is nested deeper than {max_depth} levels")
        if check_strings and isinstance(container, dict):
            for key in container:
                _check_string(key)
        for value in container.values() if isinstance(container, dict) else container:
            if isinstance(value, (dict, list)):
                stack.append((value, depth + 1))
            elif check_strings and isinstance(value, str):
                _check_string(value)


def _check_string(text: str) -> None:
    if _UNSTORABLE.search(text):
        raise InvalidActivity("the JSON holds a NUL character or an unpaired surrogate")


# ---------------------------------------------------------------- value helpers


def as_list(value: Any) -> list[Any]:
    """A property as a list, whether it was absent, a single value or already a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def id_of(value: Any) -> str | None:
    """The id of a reference: the string itself, an embedded object's id, or the first of a list."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def first_url(value: Any) -> str | None:
    """The address in a `url`/`icon` value: a string, a Link, an Image, or a list of them.

    Like Mastodon's url_to_href, a text/html Link wins among several.
    """
    candidates = as_list(value)
    html = [c for c in candidates if isinstance(c, dict) and c.get("mediaType") == "text/html"]
    for candidate in html + candidates:
        if (url := _url_in(candidate, nested=True)) is not None:
            return url
    return None


def _url_in(value: Any, *, nested: bool) -> str | None:
    if isinstance(value, str):
        return value or None
    if not isinstance(value, dict):
        return None
    if isinstance(href := value.get("href"), str) and href:
        return href
    inner = value.get("url")
    if nested:  # an Image whose url is itself a Link or a list of them
        return next((u for item in as_list(inner) if (u := _url_in(item, nested=False))), None)
    return inner if isinstance(inner, str) and inner else None


def is_public(address: Any) -> bool:
    return isinstance(address, str) and address in PUBLIC_ADDRESSES


def is_http_url(value: Any) -> TypeGuard[str]:
    """An absolute http(s) URL with a host, no credentials, no spaces, of sane length."""
    return isinstance(value, str) and len(value) <= MAX_URL_LENGTH and _url_facts(value)[1]


def host_of(url: Any) -> str | None:
    origin = _origin(url)
    return origin[1] if origin else None


def same_origin(a: Any, b: Any) -> bool:
    """Same scheme, host and port: the boundary inside which one server may speak (INTEROP 80)."""
    origin = _origin(a)
    return origin is not None and origin == _origin(b)


def _origin(url: Any) -> tuple[str, str, int] | None:
    return _url_facts(url)[0] if isinstance(url, str) else None


@functools.lru_cache(maxsize=8192)
def _url_facts(url: str) -> tuple[tuple[str, str, int] | None, bool]:
    """The URL's origin (None unless http(s) with a host), and whether it is a clean http(s) URL:
    no credentials, spaces or control characters. One parse per URL, cached: the inbox asks about
    the same actor and addressee URLs in every activity, and about each id several times."""
    if (plain := _PLAIN_HTTP_URL.match(url)) and _URL_FORBIDDEN.search(url) is None:
        scheme, host, port = plain[1].lower(), plain[2].lower().rstrip("."), plain[3]
        if port is None or int(port) <= 65535:
            return (scheme, host, _DEFAULT_PORTS[scheme] if port is None else int(port)), True
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None, False
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None, False
    origin = (scheme, parts.hostname.rstrip("."), _DEFAULT_PORTS[scheme] if port is None else port)
    return origin, "@" not in parts.netloc and _URL_FORBIDDEN.search(url) is None


def visibility_of(to: Iterable[str], cc: Iterable[str], followers_url: str | None) -> Visibility:
    """Mastodon's reading of an addressing (status_parser.rb, INTEROP 61).

    Followers-only needs the author's followers URL in `to`; unknown followers read as direct.
    """
    to, cc = list(to), list(cc)
    if any(is_public(address) for address in to):
        return "public"
    if any(is_public(address) for address in cc):
        return "unlisted"
    if followers_url is not None and followers_url in to:
        return "followers"
    return "direct"


def _type_names(value: Any) -> tuple[str, ...]:
    return tuple(name for name in as_list(value) if isinstance(name, str) and name)


def _datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _required_url(value: Any, what: str) -> str:
    """An id given as a string (or a reference, via id_of) that must be an http(s) URL."""
    found = id_of(value)
    if found is None:
        raise InvalidActivity(f"{what} is missing")
    if not is_http_url(found):
        raise InvalidActivity(f"{what} is not an http(s) URL")
    return found


def _own_id(doc: JSONDict, what: str) -> str:
    """The document's own `id`, which must be a string http(s) URL."""
    value = doc.get("id")
    if value is None or value == "":
        raise InvalidActivity(f"{what} is missing")
    if not is_http_url(value):
        raise InvalidActivity(f"{what} is not an http(s) URL")
    return value


def _optional_url(value: Any) -> str | None:
    return value if is_http_url(value) else None


def _addresses(value: Any) -> tuple[str, ...]:
    """Each address once, in order; the public collection in its one spelling. Parsed for every
    inbox POST, so plain strings, the usual shape, skip id_of."""
    found: dict[str, None] = {}
    for entry in as_list(value):
        if address := entry if isinstance(entry, str) else id_of(entry):
            found[PUBLIC if address in PUBLIC_ADDRESSES else address] = None
    return tuple(found)


def _audience(doc: JSONDict) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    to, cc, audience = _addresses(doc.get("to")), _addresses(doc.get("cc")), _addresses(doc.get("audience"))
    if (count := len(to) + len(cc) + len(audience)) > MAX_ADDRESSEES:
        raise InvalidActivity(f"too many recipients ({count}, at most {MAX_ADDRESSEES})")
    return to, cc, audience


def _require_dict(doc: Any, what: str) -> None:
    if not isinstance(doc, dict):
        raise InvalidActivity(f"{what} must be a JSON object")


def _text(value: Any) -> str:
    return sanitize_text(value) if isinstance(value, str) else ""


def _html(value: Any) -> str:
    return sanitize_html(value) if isinstance(value, str) else ""


# ---------------------------------------------------------------- activities


def parse_activity(doc: JSONDict) -> Activity:
    """An activity as delivered to an inbox or found in an outbox."""
    _require_dict(doc, "an activity")
    types = _type_names(doc.get("type"))
    if not types:
        raise InvalidActivity("activity type is missing")
    # Mastodon ignores array activity types (INTEROP 59); we read the first one we know.
    kind = next((name for name in types if name in ACTIVITY_TYPES), types[0])
    ap_id = _own_id(doc, "activity id")
    actor = _required_url(doc.get("actor"), "activity actor")
    if not same_origin(ap_id, actor):
        raise InvalidActivity("activity id and actor are on different servers")
    objects = tuple(item for item in as_list(doc.get("object")) if isinstance(item, (str, dict)))
    if kind in (ActivityType.CREATE, ActivityType.UPDATE, ActivityType.DELETE):
        _check_own_objects(kind, objects, actor)
    target = doc.get("target")
    to, cc, audience = _audience(doc)
    return Activity(
        ap_id=ap_id,
        type=kind,
        actor_ap_id=actor,
        objects=objects,
        target=target if isinstance(target, (str, dict)) else None,
        to=to,
        cc=cc,
        audience=audience,
        published_at=_datetime(doc.get("published")),
        raw=doc,
    )


def _check_own_objects(kind: str, objects: tuple[str | JSONDict, ...], actor: str) -> None:
    """Create, Update and Delete may only touch objects on the actor's server (INTEROP 80)."""
    if not objects:
        raise InvalidActivity(f"{kind} has no object")
    for item in objects:
        object_id = _required_url(item, f"{kind} object id")
        if not same_origin(object_id, actor):
            raise InvalidActivity(f"{kind} object is on another server than the actor")


def parse_tombstone(value: str | JSONDict) -> TombstoneDoc:
    """What a Delete removes: an id string, a Tombstone, or the (former) object itself."""
    ap_id = _required_url(value, "deleted object id")
    if not isinstance(value, dict):
        return TombstoneDoc(ap_id=ap_id, former_type=None, deleted_at=None)
    former = _type_names(value.get("formerType"))
    return TombstoneDoc(
        ap_id=ap_id, former_type=former[0] if former else None, deleted_at=_datetime(value.get("deleted"))
    )


def parse_collection(doc: JSONDict) -> CollectionDoc:
    """A Collection or one of its pages (outboxes, followers, featured posts, replies)."""
    _require_dict(doc, "a collection")
    kind = next((name for name in _type_names(doc.get("type")) if name in COLLECTION_TYPES), None)
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


# ---------------------------------------------------------------- actors and keys


def parse_actor(doc: JSONDict) -> ActorDoc:
    """A remote actor, with Mastodon's requirements: known type, preferredUsername, inbox (INTEROP 15-23)."""
    _require_dict(doc, "an actor")
    ap_id = _own_id(doc, "actor id")
    kind = next((name for name in _type_names(doc.get("type")) if name in ACTOR_TYPES), None)
    if kind is None:
        raise InvalidActivity("actor type must be Person, Service, Application, Group or Organization")
    username = doc.get("preferredUsername")
    if not isinstance(username, str) or not username:
        raise InvalidActivity("actor preferredUsername is missing")
    if not _USERNAME.fullmatch(username):
        raise InvalidActivity("actor preferredUsername holds spaces, '@' or '/', or is too long")
    inbox = _required_url(doc.get("inbox"), "actor inbox")
    key_id, key_pem, key_owner = _actor_key(doc.get("publicKey"), ap_id)
    endpoints = doc.get("endpoints")
    shared_inbox = (endpoints.get("sharedInbox") if isinstance(endpoints, dict) else None) or doc.get("sharedInbox")
    url = first_url(doc.get("url"))
    return ActorDoc(
        ap_id=ap_id,
        type=kind,
        preferred_username=username,
        name=_text(doc.get("name")),
        summary=_html(doc.get("summary")),
        inbox=inbox,
        outbox=_optional_url(id_of(doc.get("outbox"))),
        followers=_optional_url(id_of(doc.get("followers"))),
        following=_optional_url(id_of(doc.get("following"))),
        shared_inbox=_optional_url(shared_inbox),
        featured=_optional_url(id_of(doc.get("featured"))),
        public_key_id=key_id,
        public_key_pem=key_pem,
        public_key_owner=key_owner,
        # Mastodon ignores a profile url on another host (mismatching_origin?).
        url=url if is_http_url(url) and host_of(url) == host_of(ap_id) else None,
        icon_url=_optional_url(first_url(doc.get("icon"))),
        image_url=_optional_url(first_url(doc.get("image"))),
        manually_approves_followers=doc.get("manuallyApprovesFollowers") is True,
        discoverable=doc.get("discoverable") is True,
        indexable=doc.get("indexable") is True,
        moved_to=_optional_url(id_of(doc.get("movedTo"))),
        also_known_as=tuple(a for a in _addresses(doc.get("alsoKnownAs")) if is_http_url(a)),
        fields=_profile_fields(doc.get("attachment")),
        published_at=_datetime(doc.get("published")),
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
    key_id = _required_url(key, "actor publicKey.id")
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
        if isinstance(entry, dict) and ObjectType.PROPERTY_VALUE in _type_names(entry.get("type")):
            fields.append(ProfileField(name=_text(entry.get("name")), value=_html(entry.get("value"))))
    return tuple(fields[:MAX_PROFILE_FIELDS])


def parse_key_document(doc: JSONDict, *, key_id: str | None = None) -> KeyDoc:
    """The key behind a signature's keyId, from whatever the keyId URL serves (INTEROP 20, 37).

    That is an actor holding `publicKey`, GoToSocial's `/main-key` stub (the same shape), or a
    key standing alone (`publicKeyPem` + `owner`). With `key_id`, the key must be that one.
    """
    _require_dict(doc, "a key document")
    if "publicKeyPem" in doc:
        found_id = _own_id(doc, "key id")
        owner = _required_url(doc.get("owner"), "key owner")
        pem, from_owner = doc.get("publicKeyPem"), False
    else:
        holder = _own_id(doc, "key document id")
        key = _choose_key(as_list(doc.get("publicKey")), key_id)
        found_id = _required_url(key.get("id"), "publicKey.id")
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


# ---------------------------------------------------------------- posts


def parse_note(doc: JSONDict, *, followers_url: str | None = None) -> NoteDoc:
    """A post (Note, Question, Page, Proposal, ...); `followers_url` is its author's, when known."""
    _require_dict(doc, "an object")
    types = _type_names(doc.get("type"))
    kind = next((name for name in types if name in POST_TYPES), None)
    if kind is None:
        raise InvalidActivity("object type is not a post type such as Note, Page or Proposal")
    ap_id = _own_id(doc, "object id")
    author = _required_url(_first_actor(doc.get("attributedTo")), "object attributedTo")
    if not same_origin(ap_id, author):
        raise InvalidActivity("object id and attributedTo are on different servers")
    to, cc, audience = _audience(doc)
    tags = [tag for tag in as_list(doc.get("tag")) if isinstance(tag, dict)]
    if len(tags) > MAX_TAGS:
        raise InvalidActivity(f"too many tags ({len(tags)}, at most {MAX_TAGS})")
    content, language = _content_and_language(doc)
    url = first_url(doc.get("url"))
    conversation = doc.get("conversation")
    return NoteDoc(
        ap_id=ap_id,
        type=kind,
        types=types,
        attributed_to=author,
        content=sanitize_html(content),
        summary=_text(doc.get("summary")),
        name=_text(doc.get("name")),
        sensitive=doc.get("sensitive") is True,
        in_reply_to=_optional_url(id_of(doc.get("inReplyTo"))),
        url=url if is_http_url(url) and host_of(url) == host_of(ap_id) else None,
        published_at=_datetime(doc.get("published")),
        updated_at=_datetime(doc.get("updated")),
        to=to,
        cc=cc,
        audience=audience,
        visibility=visibility_of(to, cc, followers_url),
        hashtags=_hashtags(tags),
        mentions=_mentions(tags),
        language=language,
        attachments=_attachments(doc.get("attachment")),
        context=id_of(doc.get("context")),
        conversation=conversation if isinstance(conversation, str) and conversation else None,
        extra={key: doc[key] for key in PROPOSAL_FIELDS if key in doc},
        raw=doc,
    )


def _first_actor(value: Any) -> str | None:
    """The author among attributedTo entries: the first id string or actor-typed object.

    PeerTube lists [Person, Group]; a typed non-actor (e.g. a Collection) is skipped.
    """
    for entry in as_list(value):
        if isinstance(entry, str) and entry:
            return entry
        if isinstance(entry, dict) and (found := id_of(entry)) is not None:
            types = _type_names(entry.get("type"))
            if not types or any(name in ACTOR_TYPES for name in types):
                return found
    return None


def _content_and_language(doc: JSONDict) -> tuple[str, str | None]:
    """Content from `content`, else the first contentMap value; language as Mastodon reads it."""
    content_map = doc.get("contentMap")
    if not isinstance(content_map, dict):
        content_map = {}
    content = doc.get("content")
    if not isinstance(content, str) or not content:
        content = next((value for value in content_map.values() if isinstance(value, str)), "")
    language = next(iter(content_map), None)
    lemmy_language = doc.get("language")  # Lemmy: {"identifier": "fr", "name": "Français"}
    if language is None and isinstance(lemmy_language, dict):
        language = lemmy_language.get("identifier")
    if not isinstance(language, str) or language == "und" or not _LANGUAGE_TAG.fullmatch(language):
        language = None
    return content, language


def _hashtags(tags: list[JSONDict]) -> tuple[str, ...]:
    names = []
    for tag in tags:
        name = tag.get("name")
        if ObjectType.HASHTAG in _type_names(tag.get("type")) and isinstance(name, str):
            name = name.strip().lstrip("#").lower()
            if name and not any(char.isspace() for char in name):
                names.append(name)
    return tuple(dict.fromkeys(names))


def _mentions(tags: list[JSONDict]) -> tuple[str, ...]:
    hrefs = (tag.get("href") for tag in tags if ObjectType.MENTION in _type_names(tag.get("type")))
    return tuple(dict.fromkeys(href for href in hrefs if is_http_url(href)))


def _attachments(value: Any) -> tuple[Attachment, ...]:
    found: list[Attachment] = []
    for entry in as_list(value):
        url = first_url(entry)
        if not is_http_url(url):
            continue
        if len(found) == MAX_ATTACHMENTS:
            break
        info = entry if isinstance(entry, dict) else {}
        types = _type_names(info.get("type"))
        media_type = info.get("mediaType")
        found.append(
            Attachment(
                type=types[0] if types else ObjectType.LINK,
                url=url,
                media_type=media_type if isinstance(media_type, str) else None,
                name=_text(info.get("name")),
            )
        )
    return tuple(found)
