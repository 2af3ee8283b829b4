"""AS2 documents for local actors and their collections. Pure: loaded rows in, dicts out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fedaid.activitypub.vocab import ACTIVITY_CONTEXT, AS_CONTEXT
from fedaid.models import Actor

COLLECTION_PAGE_SIZE = 40
JSONDict = dict[str, Any]


def iso(moment: datetime | None) -> str | None:
    """`2025-01-25T23:43:24Z`, the timestamp form every fediverse server reads."""
    if moment is None:
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def render_actor(actor: Actor) -> JSONDict:
    """The Person, Group or Application document of a local actor (docs.joinmastodon.org/spec/activitypub)."""
    doc: JSONDict = {
        "@context": ACTIVITY_CONTEXT,
        "id": actor.ap_id,
        "type": str(actor.type),
        "preferredUsername": actor.username,
        "name": actor.name or actor.username,
        "summary": actor.summary,
        "url": actor.url or actor.ap_id,
        "inbox": actor.inbox,
        "outbox": actor.outbox,
        "followers": actor.followers_url,
        "following": actor.following_url,
        "endpoints": {"sharedInbox": actor.shared_inbox},
        "publicKey": {"id": actor.key_id, "owner": actor.ap_id, "publicKeyPem": actor.public_key_pem},
        "manuallyApprovesFollowers": actor.manually_approves_followers,
        "discoverable": actor.discoverable,
        "indexable": actor.discoverable,
        "published": iso(actor.published_at or actor.created_at),
    }
    if actor.icon_url:
        doc["icon"] = {"type": "Image", "url": actor.icon_url}
    if actor.is_group:
        doc["groupKind"] = str(actor.group_kind)
    if actor.is_collective:
        doc["ledger"] = ledger_url(actor)  # hours between collectives, a collection of its own
    return doc


def ledger_url(collective: Actor) -> str:
    """Where a collective publishes the hours it gave and received per other collective."""
    return f"{collective.ap_id}/ledger"


def render_actor_tombstone(actor: Actor) -> JSONDict:
    """What a removed actor's URL answers, with 410 (ActivityPub §6.4; mastodon/mastodon#33290)."""
    return {
        "@context": AS_CONTEXT,
        "id": actor.ap_id,
        "type": "Tombstone",
        "formerType": str(actor.type),
        "deleted": iso(actor.deleted_at),
    }


def render_collection(collection_id: str, total: int) -> JSONDict:
    """An OrderedCollection summary that points at its first page (GoToSocial-style paging)."""
    return {
        "@context": AS_CONTEXT,
        "id": collection_id,
        "type": "OrderedCollection",
        "totalItems": total,
        "first": f"{collection_id}?page=1",
    }


def render_collection_page(
    collection_id: str, page: int, items: list[Any], total: int, page_size: int = COLLECTION_PAGE_SIZE
) -> JSONDict:
    """Page `page` (from 1) of an OrderedCollection; `items` are ids or embedded objects."""
    doc: JSONDict = {
        "@context": AS_CONTEXT,
        "id": f"{collection_id}?page={page}",
        "type": "OrderedCollectionPage",
        "partOf": collection_id,
        "totalItems": total,
        "orderedItems": items,
    }
    if page * page_size < total:
        doc["next"] = f"{collection_id}?page={page + 1}"
    if page > 1:
        doc["prev"] = f"{collection_id}?page={page - 1}"
    return doc
