"""Mastodon's Account, CredentialAccount, Mention and Relationship entities as plain dicts, from actors and
counts already loaded (`api/views.py` loads them in batches)."""

from __future__ import annotations

from typing import Any

from fedaid.api.entities import iso
from fedaid.domain.actor_stats import AccountStats
from fedaid.models import (
    Account,
    Actor,
    ActorType,
)

DEFAULT_AVATAR = "/static/avatar.png"
DEFAULT_HEADER = "/static/header.png"


def acct_of(actor: Actor, local_domain: str) -> str:
    """`name` for a local actor, `name@host` for others (Mastodon's Account.acct)."""
    return actor.username if actor.is_local or actor.domain == local_domain else f"{actor.username}@{actor.domain}"


def render_account(actor: Actor, stats: AccountStats, *, base_url: str, local_domain: str) -> dict[str, Any]:
    avatar = actor.icon_url or f"{base_url}{DEFAULT_AVATAR}"
    header = f"{base_url}{DEFAULT_HEADER}"
    return {
        "id": str(actor.id),
        "username": actor.username,
        "acct": acct_of(actor, local_domain),
        "display_name": actor.name or actor.username,
        "locked": actor.manually_approves_followers,
        "bot": actor.type in (ActorType.APPLICATION, ActorType.SERVICE),
        "discoverable": actor.discoverable,
        "indexable": actor.discoverable,
        "group": actor.type == ActorType.GROUP,
        "created_at": iso(actor.published_at or actor.created_at),
        "note": actor.summary or "",
        "url": actor.url or actor.ap_id,
        "uri": actor.ap_id,
        "avatar": avatar,
        "avatar_static": avatar,
        "header": header,
        "header_static": header,
        "followers_count": stats.followers,
        "following_count": stats.following,
        "statuses_count": stats.statuses,
        "last_status_at": stats.last_status_at.date().isoformat() if stats.last_status_at else None,
        "hide_collections": False,
        "noindex": not actor.discoverable,
        "emojis": [],
        "roles": [],
        "fields": [],
    }


def render_credential_account(
    actor: Actor, account: Account, stats: AccountStats, *, base_url: str, local_domain: str
) -> dict[str, Any]:
    """The signed-in member's own account, with `source` (the editable values) and `role`."""
    rendered = render_account(actor, stats, base_url=base_url, local_domain=local_domain)
    rendered["source"] = {
        "privacy": "public",
        "sensitive": False,
        "language": account.locale or "",
        "note": actor.summary or "",
        "fields": [],
        "follow_requests_count": 0,
        "hide_collections": False,
        "discoverable": actor.discoverable,
        "indexable": actor.discoverable,
        "attribution_domains": [],
    }
    rendered["role"] = {
        "id": "-99" if account.role == "member" else account.role,
        "name": str(account.role),
        "permissions": "1048575" if account.is_admin else "0",
        "color": "",
        "highlighted": account.is_admin,
    }
    return rendered


def render_mention(actor: Actor, local_domain: str) -> dict[str, Any]:
    return {
        "id": str(actor.id),
        "username": actor.username,
        "url": actor.url or actor.ap_id,
        "acct": acct_of(actor, local_domain),
    }


def render_relationship(
    target_id: int, *, following: bool, requested: bool, followed_by: bool, requested_by: bool = False
) -> dict[str, Any]:
    return {
        "id": str(target_id),
        "following": following,
        "showing_reblogs": following,
        "notifying": False,
        "languages": None,
        "followed_by": followed_by,
        "blocking": False,
        "blocked_by": False,
        "muting": False,
        "muting_notifications": False,
        "requested": requested,
        "requested_by": requested_by,
        "domain_blocking": False,
        "endorsed": False,
        "note": "",
    }
