"""Who is signed in: encrypted session cookies, CSRF tokens and the sign-in rate limit.

The session cookie holds only a session token and a CSRF token; it is encrypted and signed with a key
derived from `Settings.secret_key`, HttpOnly, SameSite=Lax, Secure on https. The token names a row of
`domain.sessions`: signing out, a password change or a suspension deletes rows, and copies of the cookie
stop working at once.
Which requests a session signs in, and which must carry a CSRF token, is decided by the matched route
(`PageRoutes`), never by a header: a page may set `Accept` or `Content-Type` on a cross-site form.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from aiohttp import web
from aiohttp_session import Session, get_session, new_session
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from fedaid.appkeys import PAGE_ROUTES, SETTINGS
from fedaid.client_address import client_address
from fedaid.config import Settings
from fedaid.domain.sign_ins import end_session, find_session, masked_address, start_session
from fedaid.errors import Forbidden, Unauthorized
from fedaid.models import Account, AccountRole, AccountState, Actor

COOKIE_NAME = "fedaid_session"
SESSION_MAX_AGE = 30 * 24 * 3600
CSRF_FIELD = "csrf_token"
TOKEN_KEY = "session"  # the random token of the session's WebSession row
CSRF_KEY = "csrf"


def session_key(secret_key: str) -> bytes:
    """32 bytes of Fernet key of its own (aiohttp-session encodes them), so the cookie never uses the secret."""
    if not secret_key:
        raise ValueError("Settings.secret_key is empty: sessions cannot be encrypted")
    return hmac.new(secret_key.encode(), b"fedaid session cookie v1", hashlib.sha256).digest()


def cookie_storage(settings: Settings) -> EncryptedCookieStorage:
    secret = settings.secret_key or secrets.token_urlsafe(32)  # no key configured: sessions last one process
    return EncryptedCookieStorage(
        session_key(secret),
        cookie_name=COOKIE_NAME,
        max_age=SESSION_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.base_url.startswith("https://"),
    )


@dataclass(frozen=True)
class Viewer:
    """The signed-in member of this request."""

    account: Account
    actor: Actor
    session_id: int  # this browser's WebSession

    @property
    def is_admin(self) -> bool:
        return self.account.role == AccountRole.ADMIN

    @property
    def is_moderator(self) -> bool:
        return self.account.role in (AccountRole.ADMIN, AccountRole.MODERATOR)


VIEWER = web.RequestKey("viewer", object)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class PageRoutes:
    """The routes people's browsers use, from the app's route table; every other route ignores the session.

    `pages` answer HTML only: the session signs the member in, and every unsafe method needs the CSRF token.
    `documents` answer one URL two ways (HTML to people, AP JSON to servers, by `Accept`); they are GET-only,
    so `Accept` chooses how to answer, never whether a check applies.
    """

    pages: frozenset[web.AbstractRoute]
    documents: frozenset[web.AbstractRoute]

    def __post_init__(self) -> None:
        unsafe = [route for route in self.documents if route.method not in SAFE_METHODS]
        if unsafe:
            raise ValueError(f"negotiated documents must be read-only, not {unsafe}")

    def is_page(self, request: web.Request) -> bool:
        return request.match_info.route in self.pages

    def reads_session(self, request: web.Request) -> bool:
        route = request.match_info.route
        return route in self.pages or route in self.documents


def needs_csrf_check(request: web.Request) -> bool:
    """True for every unsafe method sent to a page route, whatever the request's headers say."""
    return request.method not in SAFE_METHODS and request.app[PAGE_ROUTES].is_page(request)


async def current_viewer(request: web.Request) -> Viewer | None:
    """The approved, signed-in member making this request, or None (looked up once per request).

    Only page routes read the session: the API, the feeds and the federation routes sign nobody in by cookie.
    """
    if VIEWER in request:
        return request[VIEWER]  # type: ignore[return-value]
    viewer = None
    if not request.app[PAGE_ROUTES].reads_session(request):
        request[VIEWER] = None
        return None
    session = await get_session(request)
    token = session.get(TOKEN_KEY)
    if isinstance(token, str):
        row = await find_session(token)
        account = row.account if row else None
        if account and account.state == AccountState.APPROVED and account.actor.deleted_at is None:
            viewer = Viewer(account, account.actor, row.id)
        else:  # ended (signed out, password changed, suspended...) or expired: the cookie is only a cookie now
            session.pop(TOKEN_KEY, None)
    request[VIEWER] = viewer
    return viewer


async def require_viewer(request: web.Request) -> Viewer:
    """The signed-in member, or a redirect to the sign-in page that comes back here afterwards."""
    viewer = await current_viewer(request)
    if viewer is None:
        if request.method == "GET":
            raise web.HTTPSeeOther(f"/signin?next={_quote(request.path_qs)}")
        raise Unauthorized("Sign in first.")
    return viewer


async def require_admin(request: web.Request) -> Viewer:
    viewer = await require_viewer(request)
    if not viewer.is_admin:
        raise Forbidden("This page is for the collective's admins.")
    return viewer


async def require_moderator(request: web.Request) -> Viewer:
    viewer = await require_viewer(request)
    if not viewer.is_moderator:
        raise Forbidden("This page is for the collective's moderators and admins.")
    return viewer


async def sign_in(request: web.Request, account: Account) -> None:
    """Start a fresh session (a new row, a new cookie, a new CSRF token) for `account`."""
    old = (await get_session(request)).get(TOKEN_KEY)
    if isinstance(old, str):
        await end_session(old)
    settings = request.app[SETTINGS]
    token = await start_session(
        account,
        user_agent=request.headers.get("User-Agent", ""),
        address=masked_address(client_address(request), settings.session_addresses),
    )
    session = await new_session(request)
    session[TOKEN_KEY] = token
    session[CSRF_KEY] = secrets.token_urlsafe(32)
    request.pop(VIEWER, None)


async def sign_out(request: web.Request) -> None:
    """End this browser's session on the server too: a copy of the cookie signs nobody in afterwards."""
    session = await get_session(request)
    token = session.get(TOKEN_KEY)
    if isinstance(token, str):
        await end_session(token)
    session.invalidate()
    request[VIEWER] = None


async def csrf_token(request: web.Request) -> str:
    """This session's CSRF token, created on first use (signed-out visitors get one too)."""
    session = await get_session(request)
    token = session.get(CSRF_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[CSRF_KEY] = token
    return token


async def check_csrf(request: web.Request) -> None:
    """Refuse a form POST whose token is missing or is not this session's."""
    form = await request.post()
    sent = form.get(CSRF_FIELD)
    session: Session = await get_session(request)
    expected = session.get(CSRF_KEY)
    if not isinstance(sent, str) or not isinstance(expected, str) or not hmac.compare_digest(sent, expected):
        raise Forbidden(
            "This form has expired or did not come from this site. Go back, reload the page and send it again."
        )


def _quote(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/")
