"""Mastodon API entities as plain dicts (docs.joinmastodon.org/entities), from models already loaded: statuses
and what they carry (proposal, media, poll), boosts, notifications, applications and tags. Accounts are
`account_entities.py`, the instance `instance_entities.py`.

Pure and synchronous: `api/views.py` loads counts and related rows in batches, these functions only shape them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from fedaid.activitypub.headlines import headline_html
from fedaid.activitypub.notes import language_of
from fedaid.domain.media import file_address
from fedaid.domain.polls import has_ended, option_counts
from fedaid.models import (
    MediaAttachment,
    MediaKind,
    MediaState,
    Notification,
    NotificationKind,
    OAuthApp,
    Poll,
    Post,
    Proposal,
    Reblog,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# fedaid's notification kinds as Mastodon types: a response to a proposal is a reply that mentions its
# author, a match is a new post one asked to hear about. The fedaid kind stays in `fedaid.kind`.
NOTIFICATION_TYPES = {
    NotificationKind.DEMAND: "update",  # a demand one supports changed, shown with its status
    NotificationKind.RESPONSE: "mention",
    NotificationKind.MATCH: "status",
}


def iso(moment: datetime | None) -> str:
    """Mastodon's timestamps: UTC, milliseconds, `Z`."""
    moment = (moment or EPOCH).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def render_proposal(proposal: Proposal) -> dict[str, Any]:
    """The `fedaid` object of a status that is an offer or a request."""
    has_place = bool(proposal.place_name) or proposal.latitude is not None
    return {
        "purpose": str(proposal.purpose),
        "status": str(proposal.status),
        "title": proposal.title,
        "category": proposal.category or None,
        "tags": list(proposal.tags or []),
        "hours": hours_number(proposal.hours),
        "available_hours": hours_number(proposal.available_hours),
        "place": {
            "name": proposal.place_name,
            "latitude": proposal.latitude,
            "longitude": proposal.longitude,
            "radius_km": proposal.radius_km,
        }
        if has_place
        else None,
        "remote_ok": proposal.remote_ok,
        "starts_at": iso(proposal.starts_at) if proposal.starts_at else None,
        "ends_at": iso(proposal.ends_at) if proposal.ends_at else None,
        "expires_at": iso(proposal.expires_at) if proposal.expires_at else None,
    }


def hours_number(value: Decimal) -> float | int:
    """Hours as a JSON number: an integer when whole (2, not 2.0)."""
    number = float(value)
    return int(number) if number.is_integer() else number


def render_poll(poll: Poll, *, is_local: bool) -> dict[str, Any]:
    """Mastodon's Poll entity, without what only the viewer knows (`voted`, `own_votes`)."""
    counts = option_counts(poll, is_local=is_local)
    return {
        "id": str(poll.id),
        "expires_at": iso(poll.expires_at) if poll.expires_at else None,
        "expired": has_ended(poll),
        "multiple": poll.is_multiple,
        "votes_count": sum(counts),
        "voters_count": poll.voters_count,
        "options": [{"title": title, "votes_count": count} for title, count in zip(poll.options, counts, strict=True)],
        "emojis": [],
    }


@dataclass
class StatusParts:
    """What a status needs besides its Post and author: loaded in batch by `views.statuses`."""

    account: dict[str, Any]
    tags: list[str] = field(default_factory=list)
    mentions: list[dict[str, Any]] = field(default_factory=list)
    proposal: Proposal | None = None
    replies_count: int = 0
    in_reply_to_account_id: int | None = None
    favourites_count: int = 0
    reblogs_count: int = 0
    favourited: bool = False
    reblogged: bool = False
    application: OAuthApp | None = None
    media: list[dict[str, Any]] = field(default_factory=list)
    poll: dict[str, Any] | None = None


def _meta_size(width: int | None, height: int | None) -> dict[str, Any] | None:
    if not width or not height:
        return None
    return {"width": width, "height": height, "size": f"{width}x{height}", "aspect": round(width / height, 4)}


def render_media(media: MediaAttachment, *, base_url: str) -> dict[str, Any]:
    """Mastodon's MediaAttachment. Our files are served from /media/<key>; a remote file we have not
    cached (a video, a link to a page, a picture not fetched yet) keeps its remote address."""
    is_ready = media.state == MediaState.READY
    url = file_address(media, base_url) if is_ready else None
    preview = f"{base_url}/media/{media.thumbnail_key}" if media.thumbnail_key and is_ready else None
    return {
        "id": str(media.id),
        "type": str(media.kind),
        "url": url,
        "preview_url": preview or (url if media.kind == MediaKind.IMAGE else None),
        "remote_url": media.remote_url,
        "preview_remote_url": None,
        "text_url": None,
        "meta": {
            "original": _meta_size(media.width, media.height),
            "small": _meta_size(media.small_width, media.small_height),
            "focus": {"x": media.focus_x, "y": media.focus_y},
        },
        "description": media.description or None,
        "blurhash": media.blurhash,
    }


def readable_content(post: Post, proposal: Proposal | None) -> str:
    """A proposal's content starts with its readable line (kind · title · hours · place), as on the wire; a
    remote one that already has it (from another fedaid) keeps its own."""
    content = post.content or ""
    if proposal is None:
        return content
    line = headline_html(proposal, language=language_of(post))
    return content if content.startswith(line) else line + content


def render_status(post: Post, parts: StatusParts, *, base_url: str) -> dict[str, Any]:
    status = {
        "id": str(post.id),
        "uri": post.ap_id,
        "url": post.url or post.ap_id,
        "created_at": iso(post.published_at),
        "edited_at": iso(post.updated_at) if post.updated_at else None,
        "account": parts.account,
        "content": readable_content(post, parts.proposal),
        "visibility": _visibility(str(post.visibility)),
        "sensitive": post.sensitive,
        "spoiler_text": post.summary or "",
        "language": post.language,
        "in_reply_to_id": str(post.in_reply_to_id) if post.in_reply_to_id else None,
        "in_reply_to_account_id": str(parts.in_reply_to_account_id) if parts.in_reply_to_account_id else None,
        "replies_count": parts.replies_count,
        "reblogs_count": parts.reblogs_count,
        "favourites_count": parts.favourites_count,
        "quotes_count": 0,
        "favourited": parts.favourited,
        "reblogged": parts.reblogged,
        "muted": False,
        "bookmarked": False,
        "pinned": False,
        "reblog": None,
        "application": (
            {"name": parts.application.name, "website": parts.application.website} if parts.application else None
        ),
        "media_attachments": parts.media,
        "mentions": parts.mentions,
        "tags": [{"name": name, "url": f"{base_url}/tags/{quote(name)}"} for name in parts.tags],
        "emojis": [],
        "card": None,
        "poll": parts.poll,
        "filtered": [],
        "fedaid": render_proposal(parts.proposal) if parts.proposal else None,
    }
    return status


def render_reblog_status(reblog: Reblog, original: dict[str, Any], account: dict[str, Any]) -> dict[str, Any]:
    """A boost as Mastodon shows it: a status of its own (the booster's) wrapping the boosted one."""
    return {
        **original,
        "id": str(reblog.id),
        "uri": reblog.ap_id,
        "url": reblog.ap_id,
        "created_at": iso(reblog.created_at),
        "edited_at": None,
        "account": account,
        "content": "",
        "spoiler_text": "",
        "sensitive": False,
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": 0,
        "favourited": False,
        "reblogged": original["reblogged"],
        "application": None,
        "mentions": [],
        "tags": [],
        "card": None,
        "poll": None,
        "fedaid": None,
        "reblog": original,
    }


def _visibility(value: str) -> str:
    """Followers-only and members-only posts are both Mastodon's "private": shown to a chosen audience."""
    return "private" if value in ("followers", "members") else value


def render_tombstone_status(post: Post, account: dict[str, Any], *, base_url: str) -> dict[str, Any]:
    """A deleted status as Mastodon returns it from DELETE: the last state, with `text` for redrafting."""
    status = render_status(post, StatusParts(account=account), base_url=base_url)
    status["text"] = ""
    return status


def render_notification(
    notification: Notification, account: dict[str, Any], status: dict[str, Any] | None
) -> dict[str, Any]:
    kind = NotificationKind(notification.kind)
    return {
        "id": str(notification.id),
        "type": NOTIFICATION_TYPES.get(kind, str(kind)),
        "group_key": f"ungrouped-{notification.id}",
        "created_at": iso(notification.created_at),
        "account": account,
        "status": status,
        "fedaid": {"kind": str(kind)},
    }


def render_application(app: OAuthApp, *, vapid_key: str, client_secret: str | None = None) -> dict[str, Any]:
    """Mastodon's Application (CredentialApplication with the secret, right after registration)."""
    rendered: dict[str, Any] = {
        "id": str(app.id),
        "name": app.name,
        "website": app.website,
        "scopes": app.scopes.split(),
        "redirect_uri": "\n".join(app.redirect_uris),
        "redirect_uris": list(app.redirect_uris),
        "vapid_key": vapid_key,
    }
    if client_secret is not None:
        rendered.update(client_id=app.client_id, client_secret=client_secret, client_secret_expires_at=0)
    return rendered


def render_tag(name: str, *, base_url: str, following: bool = False) -> dict[str, Any]:
    return {
        "id": name,
        "name": name,
        "url": f"{base_url}/tags/{quote(name)}",
        "history": [],
        "following": following,
        "featuring": False,
    }
