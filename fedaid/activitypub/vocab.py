"""ActivityStreams 2.0 vocabulary: every AS2 type string, address and JSON-LD context, defined once.

Constants only. Nothing here reads settings, the database or the network.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Final

AS_CONTEXT: Final = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT: Final = "https://w3id.org/security/v1"

AP_CONTENT_TYPE: Final = "application/activity+json"
LD_CONTENT_TYPE: Final = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'

PUBLIC: Final = "https://www.w3.org/ns/activitystreams#Public"
# Mastodon's public_collection? accepts all three spellings (Mastodon's ActivityPub::Parser::StatusParser#visibility).
PUBLIC_ADDRESSES: Final = frozenset({PUBLIC, "as:Public", "Public"})


class ActorType(StrEnum):
    PERSON = "Person"
    SERVICE = "Service"
    APPLICATION = "Application"
    GROUP = "Group"
    ORGANIZATION = "Organization"


# The types Mastodon accepts as actors (FetchRemoteActorService). StrEnum members hash as their strings,
# so `"Person" in ACTOR_TYPES` holds.
ACTOR_TYPES: Final = frozenset(ActorType)


class ActivityType(StrEnum):
    """The AS2 activity types, plus EmojiReact (Pleroma, Misskey)."""

    ACCEPT = "Accept"
    ADD = "Add"
    ANNOUNCE = "Announce"
    ARRIVE = "Arrive"
    BLOCK = "Block"
    CREATE = "Create"
    DELETE = "Delete"
    DISLIKE = "Dislike"
    EMOJI_REACT = "EmojiReact"
    FLAG = "Flag"
    FOLLOW = "Follow"
    IGNORE = "Ignore"
    INVITE = "Invite"
    JOIN = "Join"
    LEAVE = "Leave"
    LIKE = "Like"
    LISTEN = "Listen"
    MOVE = "Move"
    OFFER = "Offer"
    READ = "Read"
    REJECT = "Reject"
    REMOVE = "Remove"
    TENTATIVE_ACCEPT = "TentativeAccept"
    TENTATIVE_REJECT = "TentativeReject"
    TRAVEL = "Travel"
    UNDO = "Undo"
    UPDATE = "Update"
    VIEW = "View"


ACTIVITY_TYPES: Final = frozenset(ActivityType)


class ObjectType(StrEnum):
    NOTE = "Note"
    QUESTION = "Question"
    ARTICLE = "Article"
    PAGE = "Page"
    IMAGE = "Image"
    AUDIO = "Audio"
    VIDEO = "Video"
    EVENT = "Event"
    DOCUMENT = "Document"
    TOMBSTONE = "Tombstone"
    PLACE = "Place"
    LINK = "Link"
    MENTION = "Mention"
    HASHTAG = "Hashtag"
    EMOJI = "Emoji"
    PROPERTY_VALUE = "PropertyValue"
    COLLECTION = "Collection"
    ORDERED_COLLECTION = "OrderedCollection"
    COLLECTION_PAGE = "CollectionPage"
    ORDERED_COLLECTION_PAGE = "OrderedCollectionPage"
    # FEP-0837 (ValueFlows) marketplace types.
    PROPOSAL = "Proposal"
    INTENT = "Intent"
    AGREEMENT = "Agreement"
    COMMITMENT = "Commitment"


# Objects we store as posts. Mastodon shows Note and Question fully and "converts" the others to
# a title and a link (mastodon/mastodon#24079); a FEP-0837 Proposal may arrive alone or as ["Note", "Proposal"].
POST_TYPES: Final = frozenset(
    {
        ObjectType.NOTE,
        ObjectType.QUESTION,
        ObjectType.ARTICLE,
        ObjectType.PAGE,
        ObjectType.IMAGE,
        ObjectType.AUDIO,
        ObjectType.VIDEO,
        ObjectType.EVENT,
        ObjectType.PROPOSAL,
    }
)
COLLECTION_TYPES: Final = frozenset(
    {
        ObjectType.COLLECTION,
        ObjectType.ORDERED_COLLECTION,
        ObjectType.COLLECTION_PAGE,
        ObjectType.ORDERED_COLLECTION_PAGE,
    }
)

# Post fields the mutual-aid layer reads (FEP-0837 plus fedaid's own terms); parse keeps them raw.
PROPOSAL_FIELDS: Final = (
    "purpose",
    "publishes",
    "reciprocal",
    "unitBased",
    "location",
    "startTime",
    "endTime",
    "status",
    "category",
    "remoteOk",
)

# Compact terms fedaid uses beyond the AS2 core. Mastodon reads compact names only and never expands
# JSON-LD (docs.joinmastodon.org/spec/activitypub/#namespaces), so the names here must be exactly the ones peers read.
FEDAID_CONTEXT: Final[dict[str, Any]] = {
    # fedaid's own terms
    "fedaid": "https://fedaid.org/ns#",
    "status": "fedaid:status",
    "category": "fedaid:category",
    "remoteOk": "fedaid:remoteOk",
    "groupKind": "fedaid:groupKind",
    "ledger": {"@id": "fedaid:ledger", "@type": "@id"},
    # collective demands: a Question owned by a Group (docs/demands.md)
    "demandTarget": "fedaid:demandTarget",
    "claims": {"@id": "fedaid:claims", "@container": "@list"},
    "cosigners": {"@id": "fedaid:cosigners", "@container": "@set"},
    "statusHistory": {"@id": "fedaid:statusHistory", "@container": "@list"},
    "listedByName": "fedaid:listedByName",
    # mentoring: an Agreement whose hours are spread over recurring meetings (docs/architecture.md)
    "frequency": "fedaid:frequency",
    "meetings": {"@id": "fedaid:meetings", "@container": "@list"},
    # FEP-0837: ValueFlows proposals, intents and agreements
    "vf": "https://w3id.org/valueflows/ont/vf#",
    "om2": "http://www.ontology-of-units-of-measure.org/resource/om-2/",
    "Proposal": "vf:Proposal",
    "Intent": "vf:Intent",
    "Agreement": "vf:Agreement",
    "Commitment": "vf:Commitment",
    "action": "vf:action",
    "purpose": "vf:purpose",
    "unitBased": "vf:unitBased",
    "publishes": "vf:publishes",
    "reciprocal": "vf:reciprocal",
    "resourceConformsTo": "vf:resourceConformsTo",
    "resourceQuantity": "vf:resourceQuantity",
    "availableQuantity": "vf:availableQuantity",
    "minimumQuantity": "vf:minimumQuantity",
    "stipulates": "vf:stipulates",
    "stipulatesReciprocal": "vf:stipulatesReciprocal",
    "satisfies": "vf:satisfies",
    "hasUnit": "om2:hasUnit",
    "hasNumericalValue": "om2:hasNumericalValue",
    # Mastodon's terms (its spec page, #namespaces), including its schema -> "http://schema.org#" quirk
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "sensitive": "as:sensitive",
    "Hashtag": "as:Hashtag",
    "movedTo": {"@id": "as:movedTo", "@type": "@id"},
    "alsoKnownAs": {"@id": "as:alsoKnownAs", "@type": "@id"},
    "toot": "http://joinmastodon.org/ns#",
    "featured": {"@id": "toot:featured", "@type": "@id"},
    "discoverable": "toot:discoverable",
    "indexable": "toot:indexable",
    "votersCount": "toot:votersCount",
    "blurhash": "toot:blurhash",
    "focalPoint": {"@container": "@list", "@id": "toot:focalPoint"},
    "schema": "http://schema.org#",
    "PropertyValue": "schema:PropertyValue",
    "value": "schema:value",
}

# The @context of every document fedaid emits. Shared constants: copy before changing.
ACTIVITY_CONTEXT: Final[list[Any]] = [AS_CONTEXT, SECURITY_CONTEXT, FEDAID_CONTEXT]

HOUR_UNIT: Final = "hour"  # om2 unit name (FEP-0837 resourceQuantity.hasUnit)
