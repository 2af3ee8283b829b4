"""OAuth scopes as Mastodon names them: which exist, which one covers another (`read` covers
`read:statuses`, `follow` the follow, block and mute scopes), and the checks a token or an app must pass."""

from __future__ import annotations

from fedaid.errors import Forbidden, OAuthError
from fedaid.models import OAuthToken

# Mastodon's scopes (docs.joinmastodon.org/api/oauth-scopes). A top-level scope grants its sub-scopes;
# the legacy `follow` grants the follow-related ones; `profile` only lets an app read who signed in.
TOP_SCOPES = ("read", "write", "follow", "push", "profile", "admin:read", "admin:write")
SUB_SCOPES = {
    "read": (
        "accounts",
        "blocks",
        "bookmarks",
        "favourites",
        "filters",
        "follows",
        "lists",
        "mutes",
        "notifications",
        "search",
        "statuses",
    ),
    "write": (
        "accounts",
        "blocks",
        "bookmarks",
        "conversations",
        "favourites",
        "filters",
        "follows",
        "lists",
        "media",
        "mutes",
        "notifications",
        "reports",
        "statuses",
    ),
    "admin:read": (
        "accounts",
        "reports",
        "domain_allows",
        "domain_blocks",
        "ip_blocks",
        "email_domain_blocks",
        "canonical_email_blocks",
    ),
    "admin:write": (
        "accounts",
        "reports",
        "domain_allows",
        "domain_blocks",
        "ip_blocks",
        "email_domain_blocks",
        "canonical_email_blocks",
    ),
}
FOLLOW_GRANTS = frozenset({"read:blocks", "read:follows", "read:mutes", "write:blocks", "write:follows", "write:mutes"})
ALL_SCOPES = frozenset(TOP_SCOPES) | {f"{top}:{sub}" for top, subs in SUB_SCOPES.items() for sub in subs}
DEFAULT_SCOPES = "read"


def parse_scopes(scope: str | list[str] | None, *, default: str = DEFAULT_SCOPES) -> tuple[str, ...]:
    """Scopes from a space- (or `+`/comma-) separated string, deduplicated in order; unknown ones refused."""
    if isinstance(scope, list):
        scope = " ".join(scope)
    text = (scope or "").replace("+", " ").replace(",", " ").strip() or default
    scopes = tuple(dict.fromkeys(text.split()))
    unknown = [name for name in scopes if name not in ALL_SCOPES]
    if unknown:
        raise OAuthError("invalid_scope", f"Unknown scope: {', '.join(unknown)}.")
    return scopes


def scope_grants(granted: str, wanted: str) -> bool:
    """True when the single scope `granted` covers `wanted` (`read` covers `read:statuses`)."""
    if granted == wanted:
        return True
    top, _, sub = wanted.rpartition(":")
    if sub and top == granted:
        return True
    return granted == "follow" and wanted in FOLLOW_GRANTS


def has_scope(scopes: str | tuple[str, ...], *wanted: str) -> bool:
    """True when `scopes` (a token's) grant at least one of `wanted`."""
    held = scopes.split() if isinstance(scopes, str) else scopes
    return any(scope_grants(granted, want) for granted in held for want in wanted)


def require_scope(token: OAuthToken, *wanted: str) -> None:
    """Forbidden (403) unless the token holds one of `wanted`, as Mastodon answers."""
    if not has_scope(token.scopes, *wanted):
        raise Forbidden("This action is outside the authorized scopes")


def check_within(requested: tuple[str, ...], allowed: str) -> None:
    outside = [scope for scope in requested if not has_scope(allowed, scope)]
    if outside:
        raise OAuthError("invalid_scope", f"The app may not ask for: {', '.join(outside)}.")
