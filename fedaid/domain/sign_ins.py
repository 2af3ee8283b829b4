"""Where an account is signed in: its browsers' sessions and the apps it authorised, and ending them.

A browser's cookie carries a random token; the session is valid while its row exists (SHA-256 of the token)
and was seen within `SESSION_MAX_AGE`. Checking one is one indexed lookup that also loads the member.
No HTTP here: web/ reads the cookie and the request's address.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from fedaid.clock import utcnow
from fedaid.models import Account, OAuthApp, OAuthCode, OAuthToken, WebSession

SESSION_MAX_AGE = timedelta(days=30)  # since last seen; the cookie's own life is the same
LAST_SEEN_RESOLUTION = timedelta(minutes=5)  # a request writes `last_seen_at` at most this often
MAX_USER_AGENT = 255


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def masked_address(address: str | None, mode: str) -> str | None:
    """The address as configured: "full", "masked" (IPv4 /24, IPv6 /48) or "none" (None)."""
    if not address or mode == "none":
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if mode == "full":
        return str(ip)
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


async def start_session(account: Account, *, user_agent: str, address: str | None) -> str:
    """A new session for `account`; returns its token, for the cookie only (it is stored hashed)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    await WebSession.filter(account_id=account.id, last_seen_at__lt=now - SESSION_MAX_AGE).delete()
    await WebSession.create(
        token_hash=_digest(token),
        account_id=account.id,
        user_agent="".join(ch for ch in user_agent if ch.isprintable())[:MAX_USER_AGENT],
        address=address,
        last_seen_at=now,
    )
    return token


async def find_session(token: str) -> WebSession | None:
    """The live session of this token, its account and actor loaded; None when it ended or expired.

    One query; a visit writes `last_seen_at` only when the stored one is older than LAST_SEEN_RESOLUTION.
    """
    session = await WebSession.get_or_none(token_hash=_digest(token)).select_related("account__actor")
    if session is None:
        return None
    now = utcnow()
    if now - session.last_seen_at > SESSION_MAX_AGE:
        await WebSession.filter(id=session.id).delete()
        return None
    if now - session.last_seen_at > LAST_SEEN_RESOLUTION:
        await WebSession.filter(id=session.id).update(last_seen_at=now)
        session.last_seen_at = now
    return session


async def end_session(token: str) -> None:
    """Sign this browser out: its cookie, and any copy of it, no longer signs anyone in."""
    await WebSession.filter(token_hash=_digest(token)).delete()


async def end_session_of(account: Account, session_id: int) -> bool:
    """End one of the account's sessions (from its list); False when it is not theirs or already ended."""
    return bool(await WebSession.filter(id=session_id, account_id=account.id).delete())


async def end_all_sessions(account: Account) -> int:
    """Sign the account out of every browser at once; returns how many sessions ended."""
    return await WebSession.filter(account_id=account.id).delete()


async def end_everything(account: Account) -> None:
    """Every browser session ended and every app token revoked: after a password change or a suspension."""
    await end_all_sessions(account)
    now = utcnow()
    await OAuthToken.filter(account_id=account.id, revoked_at__isnull=True).update(revoked_at=now)
    await OAuthCode.filter(account_id=account.id, used_at__isnull=True).update(used_at=now)


async def list_sessions(account: Account) -> list[WebSession]:
    """The account's live sessions, most recently seen first."""
    since = utcnow() - SESSION_MAX_AGE
    return await WebSession.filter(account_id=account.id, last_seen_at__gte=since).order_by("-last_seen_at", "-id")


@dataclass(frozen=True)
class AuthorizedApp:
    """An app holding live tokens for the account: what the settings page lists."""

    app: OAuthApp
    scopes: str
    authorized_at: datetime
    last_used_at: datetime | None


async def list_authorized_apps(account: Account) -> list[AuthorizedApp]:
    """The apps with at least one live token for the account, each once, with its widest scopes."""
    tokens = await OAuthToken.filter(account_id=account.id, revoked_at__isnull=True).select_related("app")
    now = utcnow()
    by_app: dict[int, list[OAuthToken]] = {}
    for token in tokens:
        if token.expires_at is None or token.expires_at > now:
            by_app.setdefault(token.app_id, []).append(token)
    apps = []
    for held in by_app.values():
        used = [token.last_used_at for token in held if token.last_used_at]
        scopes = dict.fromkeys(scope for token in held for scope in token.scopes.split())
        apps.append(
            AuthorizedApp(held[0].app, " ".join(scopes), min(t.created_at for t in held), max(used) if used else None)
        )
    return sorted(apps, key=lambda entry: entry.last_used_at or entry.authorized_at, reverse=True)


async def revoke_app(account: Account, app_id: int) -> int:
    """Take the app's access away from the account: all its tokens and unused codes; returns tokens revoked."""
    now = utcnow()
    await OAuthCode.filter(account_id=account.id, app_id=app_id, used_at__isnull=True).update(used_at=now)
    return await OAuthToken.filter(account_id=account.id, app_id=app_id, revoked_at__isnull=True).update(revoked_at=now)
