"""Who is calling the client API: the bearer token, its member and its scopes."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from fedaid.domain.oauth import authenticate
from fedaid.domain.oauth_scopes import has_scope, require_scope
from fedaid.errors import Unauthorized
from fedaid.models import Account, Actor, OAuthToken

CALLER = web.RequestKey("api_caller", object)


@dataclass(frozen=True)
class Caller:
    """An authenticated request: its token, and the member (None for an app-only token)."""

    token: OAuthToken
    account: Account | None

    @property
    def actor(self) -> Actor | None:
        return self.account.actor if self.account else None


def bearer_of(request: web.Request) -> str | None:
    """The token from `Authorization: Bearer`, or the `access_token` query parameter (streaming clients)."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.query.get("access_token") or request.headers.get("Sec-WebSocket-Protocol") or None


async def optional_caller(request: web.Request) -> Caller | None:
    """The caller when a token is sent (a bad one is still refused), else None for public reads."""
    if CALLER in request:
        return request[CALLER]  # type: ignore[return-value]
    bearer = bearer_of(request)
    if bearer is None:
        return None
    # Read from the database on every request, never from a cache of this process: a token revoked or
    # refreshed through any process is refused at once by all of them.
    token, account = await authenticate(bearer)
    caller = Caller(token, account)
    request[CALLER] = caller
    return caller


async def app_caller(request: web.Request, *scopes: str) -> Caller:
    """A caller with any valid token (app or member) holding one of `scopes` (none asked: any scope)."""
    caller = await optional_caller(request)
    if caller is None:
        raise Unauthorized("The access token is invalid")
    if scopes:
        require_scope(caller.token, *scopes)
    return caller


async def user_caller(request: web.Request, *scopes: str) -> Caller:
    """A caller signed in as a member, holding one of `scopes`; Mastodon's 401/403 otherwise."""
    caller = await app_caller(request, *scopes)
    if caller.account is None:
        raise Unauthorized("This method requires an authenticated user")
    return caller


async def viewer_of(request: web.Request, *scopes: str) -> Actor | None:
    """The member reading public data, if a token with one of `scopes` is sent; None when anonymous."""
    caller = await optional_caller(request)
    if caller is None or caller.account is None or (scopes and not has_scope(caller.token.scopes, *scopes)):
        return None
    return caller.actor
