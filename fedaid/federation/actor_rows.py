"""The remote-actor cache's rows from parsed actor documents: which columns, URLs that do not fit dropped."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fedaid.activitypub.parse import ActorDoc
from fedaid.errors import FetchError
from fedaid.models import ActorType, GroupKind

URL_MAX = 512  # Actor's URL columns are varchar(512); PostgreSQL refuses longer values


def fit_url(url: str | None) -> str | None:
    """Optional URLs longer than the column are dropped rather than failing on PostgreSQL."""
    return url if url is not None and len(url) <= URL_MAX else None


def aware(moment: datetime | None) -> datetime | None:
    """A stored moment as UTC-aware (SQLite hands them back naive)."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def group_kind_of(parsed: ActorDoc) -> GroupKind:
    """fedaid's collectives and circles say what they are (`groupKind`); any other Group (Mobilizon, Lemmy,
    Friendica...) is neither, so it never becomes an ally nor a side of the ledger between collectives."""
    kind = parsed.group_kind
    return GroupKind(kind) if kind in (GroupKind.COLLECTIVE, GroupKind.CIRCLE) else GroupKind.OTHER


def row_values(parsed: ActorDoc, domain: str, fetched_at: datetime) -> dict[str, Any]:
    """The cache row of a parsed actor document; FetchError when its id or inbox does not fit the columns."""
    if len(parsed.ap_id) > URL_MAX or len(parsed.inbox) > URL_MAX:
        raise FetchError(f"{parsed.ap_id[:URL_MAX]}…: its id or inbox is longer than {URL_MAX} characters.")
    return {
        "type": ActorType(parsed.type),
        "group_kind": group_kind_of(parsed),
        "username": parsed.preferred_username,
        "domain": domain,
        "is_local": False,
        "name": parsed.name[:255],
        "summary": parsed.summary,
        "url": fit_url(parsed.url),
        "icon_url": fit_url(parsed.icon_url),
        "inbox": parsed.inbox,
        "shared_inbox": fit_url(parsed.shared_inbox),
        "outbox": fit_url(parsed.outbox),
        "followers_url": fit_url(parsed.followers),
        "following_url": fit_url(parsed.following),
        "key_id": fit_url(parsed.public_key_id),
        "public_key_pem": parsed.public_key_pem if fit_url(parsed.public_key_id) else None,
        "manually_approves_followers": parsed.manually_approves_followers,
        "discoverable": parsed.discoverable,
        "moved_to": fit_url(parsed.moved_to),
        "published_at": parsed.published_at,
        "fetched_at": fetched_at,
        "deleted_at": None,
    }
