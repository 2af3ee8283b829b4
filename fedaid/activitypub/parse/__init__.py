"""Untrusted ActivityPub JSON in, frozen dataclasses out, or `InvalidActivity` saying what is wrong.

Pure and synchronous: no network, no database, no settings. One module per kind of object: `body`
(the JSON itself), `values` (ids, URLs, addressing), `activities`, `actors`, `notes`, `proposals`,
`agreements`, `events` (sessions and their joins), `ledger`, `demand_steps` (votes and co-signatures), and
`inbound`, which reads a verified activity into the one message the inbox worker dispatches.
"""

from fedaid.activitypub.parse.activities import (
    Activity,
    CollectionDoc,
    TombstoneDoc,
    parse_activity,
    parse_collection,
    parse_tombstone,
)
from fedaid.activitypub.parse.actors import (
    ActorDoc,
    KeyDoc,
    ProfileField,
    is_actor_document,
    parse_actor,
    parse_key_document,
)
from fedaid.activitypub.parse.body import MAX_DEPTH, has_as_context, load_json_object
from fedaid.activitypub.parse.notes import MAX_ATTACHMENTS, MAX_TAGS, Attachment, NoteDoc, parse_note
from fedaid.activitypub.parse.values import (
    MAX_ADDRESSEES,
    MAX_URL_LENGTH,
    JSONDict,
    Visibility,
    as_list,
    first_url,
    host_of,
    id_of,
    is_http_url,
    is_public,
    same_origin,
    visibility_of,
)

__all__ = [
    "MAX_ADDRESSEES",
    "MAX_ATTACHMENTS",
    "MAX_DEPTH",
    "MAX_TAGS",
    "MAX_URL_LENGTH",
    "Activity",
    "ActorDoc",
    "Attachment",
    "CollectionDoc",
    "JSONDict",
    "KeyDoc",
    "NoteDoc",
    "ProfileField",
    "TombstoneDoc",
    "Visibility",
    "as_list",
    "first_url",
    "has_as_context",
    "host_of",
    "id_of",
    "is_http_url",
    "is_public",
    "load_json_object",
    "parse_activity",
    "is_actor_document",
    "parse_actor",
    "parse_collection",
    "parse_key_document",
    "parse_note",
    "parse_tombstone",
    "same_origin",
    "visibility_of",
]
