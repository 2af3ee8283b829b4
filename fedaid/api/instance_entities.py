"""Mastodon's Instance entities (v1 and v2) as plain dicts: what clients read to learn this server's name,
rules, limits and version."""

from __future__ import annotations

from typing import Any

import fedaid
from fedaid.api.account_entities import DEFAULT_HEADER
from fedaid.config import Settings
from fedaid.domain.media import MAX_ATTACHMENTS as MAX_MEDIA_ATTACHMENTS
from fedaid.domain.media import MAX_DESCRIPTION, MAX_UPLOAD_BYTES
from fedaid.imaging import MAX_PIXELS, SUPPORTED_TYPES

MASTODON_COMPAT_VERSION = "4.3.0"
MASTODON_API_VERSION = 2
MAX_STATUS_CHARACTERS = 5000


def version_string() -> str:
    """`4.3.0 (compatible; fedaid X.Y.Z)`: what clients parse to decide which endpoints exist."""
    return f"{MASTODON_COMPAT_VERSION} (compatible; fedaid {fedaid.__version__})"


def render_instance_v2(
    settings: Settings,
    *,
    registration_mode: str,
    contact: tuple[str, dict[str, Any] | None],
    languages: list[str],
    member_count: int,
    vapid_key: str,
) -> dict[str, Any]:
    """Mastodon's Instance entity (v2); `registration_mode` is the one in force (`domain.registration`),
    `contact` the contact address and account."""
    base, domain = settings.base_url, settings.domain
    streaming = base.replace("http", "ws", 1)
    return {
        "domain": domain,
        "title": settings.collective_name,
        "version": version_string(),
        "source_url": "https://codeberg.org/fedaid/fedaid",
        "description": settings.collective_summary,
        "usage": {"users": {"active_month": member_count}},
        "thumbnail": {"url": f"{base}{DEFAULT_HEADER}", "blurhash": None, "versions": {}},
        "icon": [],
        "languages": languages,
        "api_versions": {"mastodon": MASTODON_API_VERSION, "fedaid": 1},
        "configuration": {
            "urls": {
                "streaming": streaming,
                "status": None,
                "about": f"{base}/about",
                "privacy_policy": None,
                "terms_of_service": None,
            },
            "vapid": {"public_key": vapid_key},
            "accounts": {
                "max_featured_tags": 0,
                "max_pinned_statuses": 0,
                "max_profile_fields": 0,
                "max_display_name_length": 255,
                "max_note_length": 5000,
            },
            "statuses": {
                "max_characters": MAX_STATUS_CHARACTERS,
                "max_media_attachments": MAX_MEDIA_ATTACHMENTS,
                "characters_reserved_per_url": 23,
            },
            "media_attachments": {
                "supported_mime_types": list(SUPPORTED_TYPES),
                "description_limit": MAX_DESCRIPTION,
                "image_size_limit": MAX_UPLOAD_BYTES,
                "image_matrix_limit": MAX_PIXELS,
                "video_size_limit": 0,
                "video_frame_rate_limit": 0,
                "video_matrix_limit": 0,
            },
            "polls": {"max_options": 0, "max_characters_per_option": 0, "min_expiration": 0, "max_expiration": 0},
            "translation": {"enabled": False},
            "limited_federation": settings.federation_mode == "allowlist",
        },
        "registrations": {
            "enabled": registration_mode != "invite",
            "approval_required": registration_mode == "approval",
            "message": None,
            "min_age": None,
            "reason_required": registration_mode == "approval",
            "url": None,
        },
        "contact": {"email": contact[0], "account": contact[1]},
        "rules": [],
    }


def render_instance_v1(
    settings: Settings,
    *,
    registration_mode: str,
    contact: tuple[str, dict[str, Any] | None],
    languages: list[str],
    stats: dict[str, int],
) -> dict[str, Any]:
    base = settings.base_url
    v2 = render_instance_v2(
        settings,
        registration_mode=registration_mode,
        contact=contact,
        languages=languages,
        member_count=stats["user_count"],
        vapid_key="",
    )
    config = v2["configuration"]
    return {
        "uri": settings.domain,
        "title": settings.collective_name,
        "short_description": settings.collective_summary,
        "description": settings.collective_summary,
        "email": contact[0],
        "version": v2["version"],
        "api_versions": v2["api_versions"],
        "urls": {"streaming_api": config["urls"]["streaming"]},
        "stats": stats,
        "thumbnail": f"{base}{DEFAULT_HEADER}",
        "languages": languages,
        "registrations": registration_mode != "invite",
        "approval_required": registration_mode == "approval",
        "invites_enabled": registration_mode == "invite",
        "configuration": {
            "accounts": {"max_featured_tags": 0},
            "statuses": config["statuses"],
            "media_attachments": {
                key: value for key, value in config["media_attachments"].items() if key != "description_limit"
            },
            "polls": config["polls"],
        },
        "contact_account": contact[1],
        "rules": [],
    }
