"""Posts: a Note, Question, Page, Article, Event or FEP-0837 Proposal, sanitised, with the proposal it carries."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fedaid.activitypub.parse.proposals import ProposalDoc, read_proposal
from fedaid.activitypub.parse.values import (
    JSONDict,
    Visibility,
    as_list,
    audience_of,
    datetime_of,
    first_url,
    host_of,
    id_of,
    is_http_url,
    optional_url,
    own_id,
    plain,
    require_dict,
    required_url,
    same_origin,
    type_names,
    visibility_of,
)
from fedaid.activitypub.sanitize import sanitize_html
from fedaid.activitypub.vocab import ACTOR_TYPES, POST_TYPES, PROPOSAL_FIELDS, ObjectType
from fedaid.errors import InvalidActivity

MAX_TAGS = 200
MAX_ATTACHMENTS = 16
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*")


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

    @functools.cached_property
    def proposal(self) -> ProposalDoc | None:
        """FEP-0837 data, or a purpose hashtag (then `is_from_hashtags`); read when first asked for, since most
        posts a worker stores are never asked (domain.proposals.proposal_of)."""
        return read_proposal(self.extra, hashtags=self.hashtags, name=self.name, content=self.content)

    @property
    def is_proposal(self) -> bool:
        return ObjectType.PROPOSAL in self.types or "purpose" in self.extra


def parse_note(doc: JSONDict, *, followers_url: str | None = None) -> NoteDoc:
    """A post (Note, Question, Page, Proposal, ...); `followers_url` is its author's, when known."""
    require_dict(doc, "an object")
    types = type_names(doc.get("type"))
    kind = next((name for name in types if name in POST_TYPES), None)
    if kind is None:
        raise InvalidActivity("object type is not a post type such as Note, Page or Proposal")
    ap_id = own_id(doc, "object id")
    author = required_url(_first_actor(doc.get("attributedTo")), "object attributedTo")
    if not same_origin(ap_id, author):
        raise InvalidActivity("object id and attributedTo are on different servers")
    to, cc, audience = audience_of(doc)
    tags = [tag for tag in as_list(doc.get("tag")) if isinstance(tag, dict)]
    if len(tags) > MAX_TAGS:
        raise InvalidActivity(f"too many tags ({len(tags)}, at most {MAX_TAGS})")
    content, language = _content_and_language(doc)
    content, hashtags, name = sanitize_html(content), _hashtags(tags), plain(doc.get("name"))
    extra = {key: doc[key] for key in PROPOSAL_FIELDS if key in doc}
    url = first_url(doc.get("url"))
    conversation = doc.get("conversation")
    return NoteDoc(
        ap_id=ap_id,
        type=kind,
        types=types,
        attributed_to=author,
        content=content,
        summary=plain(doc.get("summary")),
        name=name,
        sensitive=doc.get("sensitive") is True,
        in_reply_to=optional_url(id_of(doc.get("inReplyTo"))),
        url=url if is_http_url(url) and host_of(url) == host_of(ap_id) else None,
        published_at=datetime_of(doc.get("published")),
        updated_at=datetime_of(doc.get("updated")),
        to=to,
        cc=cc,
        audience=audience,
        visibility=visibility_of(to, cc, followers_url),
        hashtags=hashtags,
        mentions=_mentions(tags),
        language=language,
        attachments=_attachments(doc.get("attachment")),
        context=id_of(doc.get("context")),
        conversation=conversation if isinstance(conversation, str) and conversation else None,
        extra=extra,
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
            types = type_names(entry.get("type"))
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
        if ObjectType.HASHTAG in type_names(tag.get("type")) and isinstance(name, str):
            name = name.strip().lstrip("#").lower()
            if name and not any(char.isspace() for char in name):
                names.append(name)
    return tuple(dict.fromkeys(names))


def _mentions(tags: list[JSONDict]) -> tuple[str, ...]:
    hrefs = (tag.get("href") for tag in tags if ObjectType.MENTION in type_names(tag.get("type")))
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
        types = type_names(info.get("type"))
        media_type = info.get("mediaType")
        found.append(
            Attachment(
                type=types[0] if types else ObjectType.LINK,
                url=url,
                media_type=media_type if isinstance(media_type, str) else None,
                name=plain(info.get("name")),
            )
        )
    return tuple(found)
