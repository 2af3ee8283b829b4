"""OAuth 2 for client apps: registration, codes with PKCE, the four grants, revocation, bearer checks.
Scopes are `oauth_scopes.py`, the redirect URIs an app may register `redirect_uris.py`.

Client secrets, codes and tokens are random strings shown once; only their SHA-256 is stored.
No HTTP here: `api/oauth.py` reads requests and calls these functions, and so does the consent page.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from fedaid.clock import utcnow
from fedaid.domain import limits
from fedaid.domain.accounts import authenticate as authenticate_member
from fedaid.domain.oauth_scopes import check_within, parse_scopes
from fedaid.domain.redirect_uris import OOB_REDIRECT, parse_redirect_uris, redirect_uri_problem
from fedaid.errors import Forbidden, InvalidInput, OAuthError, Unauthorized
from fedaid.models import Account, AccountState, OAuthApp, OAuthCode, OAuthToken
from fedaid.storage import hot_reads

CODE_LIFETIME = timedelta(minutes=10)
LAST_USED_RESOLUTION = timedelta(hours=1)
PKCE_METHODS = ("S256",)


@dataclass(frozen=True)
class AuthorizationRequest:
    """A checked /oauth/authorize request: what the consent page shows and `grant_code` records."""

    app: OAuthApp
    redirect_uri: str
    scopes: tuple[str, ...]
    code_challenge: str | None
    code_challenge_method: str | None
    state: str = ""

    @property
    def scope(self) -> str:
        return " ".join(self.scopes)


@dataclass(frozen=True)
class TokenPair:
    """A freshly issued token: the only moment its clear values exist."""

    token: OAuthToken
    access_token: str
    refresh_token: str | None

    @property
    def scope(self) -> str:
        return self.token.scopes


def hash_secret(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


# --- apps --------------------------------------------------------------------------------------


async def register_app(
    name: str,
    redirect_uris: str | list[str] | None,
    scopes: str | list[str] | None = None,
    website: str | None = None,
    *,
    address: str,
) -> tuple[OAuthApp, str]:
    """A new client app; returns it with its client secret in clear, which is not stored.

    A few registrations per client `address` at a time (`limits.APP_REGISTRATION`), then 429.
    """
    name = (name or "").strip()
    if not name:
        raise InvalidInput("Validation failed: Application name can't be blank")
    if len(name) > 200:
        raise InvalidInput("Validation failed: Application name is too long (maximum is 200 characters)")
    uris = parse_redirect_uris(redirect_uris)
    scope_list = parse_scopes(scopes)
    website = (website or "").strip() or None
    if website and not urlsplit(website).scheme.startswith("http"):
        raise InvalidInput("Validation failed: Application website must be an http(s) URL.")
    await limits.take(limits.APP_REGISTRATION, address)
    secret = secrets.token_urlsafe(32)
    app = await OAuthApp.create(
        client_id=secrets.token_urlsafe(32),
        client_secret_hash=hash_secret(secret),
        name=name,
        redirect_uris=uris,
        scopes=" ".join(scope_list),
        website=website[:512] if website else None,
    )
    return app, secret


async def find_app(client_id: str | None) -> OAuthApp | None:
    if not client_id:
        return None
    return await OAuthApp.get_or_none(client_id=client_id)


async def get_app(client_id: str | None) -> OAuthApp:
    """The app with this client id; OAuthError `invalid_client` (401) otherwise."""
    app = await find_app(client_id)
    if app is None:
        raise OAuthError(
            "invalid_client",
            "Client authentication failed due to unknown client, no client "
            "authentication included, or unsupported authentication method.",
            status=401,
        )
    return app


async def authenticate_client(client_id: str | None, client_secret: str | None) -> OAuthApp:
    """The app, when `client_secret` is its secret; OAuthError `invalid_client` (401) otherwise."""
    app = await get_app(client_id)
    if not client_secret or not hmac.compare_digest(hash_secret(client_secret), app.client_secret_hash):
        raise OAuthError("invalid_client", "Client authentication failed: wrong client secret.", status=401)
    return app


# --- authorization code with PKCE --------------------------------------------------------------


async def check_authorization_request(
    client_id: str | None,
    redirect_uri: str | None,
    scope: str | None,
    response_type: str | None,
    code_challenge: str | None = None,
    code_challenge_method: str | None = None,
    *,
    state: str = "",
) -> AuthorizationRequest:
    """A checked /oauth/authorize request; InvalidInput saying what is wrong, for the page to show."""
    app = await find_app(client_id)
    if app is None:
        raise InvalidInput("This application is unknown here: its client_id does not match any registered app.")
    if response_type != "code":
        raise InvalidInput("Only response_type=code is supported.")
    redirect_uri = redirect_uri or (app.redirect_uris[0] if len(app.redirect_uris) == 1 else "")
    if redirect_uri not in app.redirect_uris:
        raise InvalidInput("The redirect_uri does not match any redirect URI the application registered.")
    if redirect_uri_problem(redirect_uri):  # registered before these checks existed
        raise InvalidInput("The application's redirect_uri is not allowed: it must be https, loopback or an app's.")
    try:
        scopes = parse_scopes(scope)
        check_within(scopes, app.scopes)
    except OAuthError as err:
        raise InvalidInput(str(err)) from err
    method = None
    if code_challenge:
        method = code_challenge_method or "plain"
        if method not in PKCE_METHODS:
            raise InvalidInput("PKCE needs code_challenge_method=S256; the plain method is not accepted.")
        if not 43 <= len(code_challenge) <= 128:
            raise InvalidInput("The code_challenge must be 43 to 128 characters (a base64url SHA-256).")
    elif code_challenge_method:
        raise InvalidInput("A code_challenge_method was given without a code_challenge.")
    return AuthorizationRequest(app, redirect_uri, scopes, code_challenge or None, method, state or "")


async def grant_code(request: AuthorizationRequest, account: Account, *, now: datetime | None = None) -> str:
    """The member approved the request: a one-time code, valid ten minutes, for the app to exchange."""
    if account.state != AccountState.APPROVED:
        raise Forbidden("This account cannot sign in to apps yet.")
    code = secrets.token_urlsafe(32)
    await OAuthCode.create(
        code_hash=hash_secret(code),
        app=request.app,
        account=account,
        scopes=request.scope,
        redirect_uri=request.redirect_uri,
        code_challenge=request.code_challenge,
        code_challenge_method=request.code_challenge_method,
        expires_at=(now or utcnow()) + CODE_LIFETIME,
    )
    return code


def authorization_redirect(request: AuthorizationRequest, code: str) -> str | None:
    """Where to send the browser with the code, or None for the out-of-band URI (show the code instead)."""
    if request.redirect_uri == OOB_REDIRECT:
        return None
    params = {"code": code}
    if request.state:
        params["state"] = request.state
    separator = "&" if urlsplit(request.redirect_uri).query else "?"
    return f"{request.redirect_uri}{separator}{urlencode(params)}"


def pkce_s256(verifier: str) -> str:
    """The S256 code challenge of a verifier (RFC 7636 section 4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def exchange_code(
    client_id: str | None,
    client_secret: str | None,
    code: str | None,
    redirect_uri: str | None,
    code_verifier: str | None = None,
) -> TokenPair:
    """Trade an authorization code for a token, once. A PKCE code needs its verifier; others the secret."""
    app = await get_app(client_id)
    if client_secret:
        app = await authenticate_client(client_id, client_secret)
    if not code:
        raise OAuthError("invalid_request", "The code parameter is missing.")
    now = utcnow()
    async with in_transaction():
        row = await OAuthCode.get_or_none(code_hash=hash_secret(code), app=app)
        if row is None or row.used_at is not None or row.expires_at < now:
            raise OAuthError("invalid_grant", "The authorization code is invalid, expired or already used.")
        if (redirect_uri or row.redirect_uri) != row.redirect_uri:
            raise OAuthError("invalid_grant", "The redirect_uri differs from the one the code was issued for.")
        _check_code_client(row, client_secret, code_verifier)
        claimed = await OAuthCode.filter(id=row.id, used_at__isnull=True).update(used_at=now)
        if not claimed:
            raise OAuthError("invalid_grant", "The authorization code was already used.")
        account = await Account.get(id=row.account_id)
        return await _issue(app, account, row.scopes)


def _check_code_client(row: OAuthCode, client_secret: str | None, code_verifier: str | None) -> None:
    if row.code_challenge:
        if not code_verifier:
            raise OAuthError("invalid_grant", "This code was issued with PKCE: send its code_verifier.")
        if not hmac.compare_digest(pkce_s256(code_verifier), row.code_challenge):
            raise OAuthError("invalid_grant", "The code_verifier does not match the code_challenge.")
    elif not client_secret:
        raise OAuthError("invalid_client", "Send the client_secret (or use PKCE).", status=401)


# --- other grants ------------------------------------------------------------------------------


async def password_grant(
    client_id: str | None,
    client_secret: str | None,
    username: str | None,
    password: str | None,
    scope: str | None = None,
    *,
    address: str,
) -> TokenPair:
    """Resource-owner password grant (Mastodon.py's `log_in(username, password)`); username is the email.

    The password check is limited per client `address` and per account like a web sign-in (429 when exceeded).
    """
    app = await authenticate_client(client_id, client_secret)
    scopes = parse_scopes(scope, default=app.scopes)
    check_within(scopes, app.scopes)
    account = await authenticate_member(username or "", password or "", address=address)
    if account is None:
        raise OAuthError("invalid_grant", "The email or the password is wrong.")
    if account.state != AccountState.APPROVED:
        raise OAuthError("invalid_grant", "This account is not approved yet.")
    return await _issue(app, account, " ".join(scopes))


async def client_credentials_grant(
    client_id: str | None, client_secret: str | None, scope: str | None = None
) -> TokenPair:
    """A token for the app itself, with no member: enough to read public data and verify the app."""
    app = await authenticate_client(client_id, client_secret)
    scopes = parse_scopes(scope)
    check_within(scopes, app.scopes)
    return await _issue(app, None, " ".join(scopes), with_refresh=False)


async def refresh_grant(
    client_id: str | None, client_secret: str | None, refresh_token: str | None, scope: str | None = None
) -> TokenPair:
    """A new token pair for a refresh token; the old pair stops working (rotation)."""
    app = await authenticate_client(client_id, client_secret)
    async with in_transaction():
        old = await OAuthToken.get_or_none(refresh_token_hash=hash_secret(refresh_token or ""), app=app)
        if old is None or old.revoked_at is not None:
            raise OAuthError("invalid_grant", "The refresh token is invalid or was revoked.")
        scopes = parse_scopes(scope, default=old.scopes)
        check_within(scopes, old.scopes)
        claimed = await OAuthToken.filter(id=old.id, revoked_at__isnull=True).update(revoked_at=utcnow())
        if not claimed:
            raise OAuthError("invalid_grant", "The refresh token was just used.")
        account = await Account.get(id=old.account_id) if old.account_id else None
        return await _issue(app, account, " ".join(scopes))


async def _issue(app: OAuthApp, account: Account | None, scopes: str, *, with_refresh: bool = True) -> TokenPair:
    access, refresh = secrets.token_urlsafe(32), (secrets.token_urlsafe(32) if with_refresh else None)
    token = await OAuthToken.create(
        token_hash=hash_secret(access),
        app=app,
        account=account,
        scopes=scopes,
        refresh_token_hash=hash_secret(refresh) if refresh else None,
    )
    return TokenPair(token, access, refresh)


# --- using and revoking tokens -----------------------------------------------------------------


async def revoke(token: str | None, *, client_id: str | None = None, client_secret: str | None = None) -> None:
    """Revoke an access or refresh token (RFC 7009): unknown tokens are silently ignored.

    With client credentials, only that app's tokens can be revoked; without, holding the token suffices.
    """
    if not token:
        raise OAuthError("invalid_request", "The token parameter is missing.")
    digest = hash_secret(token)
    query = OAuthToken.filter(revoked_at__isnull=True)
    if client_id:
        query = query.filter(app=await authenticate_client(client_id, client_secret))
    await query.filter(token_hash=digest).update(revoked_at=utcnow())
    await query.filter(refresh_token_hash=digest).update(revoked_at=utcnow())


async def authenticate(bearer: str | None) -> tuple[OAuthToken, Account | None]:
    """The token and its member (None for an app token); Unauthorized (401) as Mastodon words it."""
    if not bearer:
        raise Unauthorized("The access token is invalid")
    token = await hot_reads.token_by_hash(hash_secret(bearer))
    if token is None:
        raise Unauthorized("The access token is invalid")
    now = utcnow()
    if token.revoked_at is not None:
        raise Unauthorized("The access token was revoked")
    if token.expires_at is not None and token.expires_at < now:
        raise Unauthorized("The access token expired")
    account = token.account
    if account is not None and (account.state != AccountState.APPROVED or account.actor.is_deleted):
        raise Unauthorized("Your login is currently disabled")
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        await OAuthToken.filter(id=token.id).update(last_used_at=now)
    return token, account


async def live_token_ids(ids: Collection[int]) -> set[int]:
    """Those of these tokens `authenticate` would still accept: not revoked nor expired, their member (if any)
    approved and not deleted. Open streams ask it, so a revocation through any process ends them at once."""
    if not ids:
        return set()
    query = OAuthToken.filter(id__in=sorted(ids), revoked_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gte=utcnow())
    )
    query = query.filter(
        Q(account_id__isnull=True) | Q(account__state=AccountState.APPROVED, account__actor__deleted_at__isnull=True)
    )
    live: list[int] = await query.values_list("id", flat=True)  # type: ignore[assignment]
    return set(live)
