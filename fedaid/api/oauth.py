"""OAuth endpoints: app registration, token, revoke, userinfo and the RFC 8414 metadata document.

The /oauth/authorize consent page is a web page (fedaid/web); it calls `domain.oauth` as these do.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote

from aiohttp import web

from fedaid.api.auth import app_caller, user_caller
from fedaid.api.entities import iso, render_application
from fedaid.api.params import read_params
from fedaid.appkeys import SETTINGS, VAPID_PUBLIC_KEY
from fedaid.client_address import client_address
from fedaid.domain import oauth
from fedaid.domain.oauth import TokenPair
from fedaid.domain.oauth_scopes import ALL_SCOPES
from fedaid.errors import FedaidError, OAuthError, TooManyRequests

GRANT_TYPES = ("authorization_code", "password", "client_credentials", "refresh_token")


async def create_app(request: web.Request) -> web.Response:
    """POST /api/v1/apps"""
    params = await read_params(request)
    redirect = params.raw("redirect_uris", params.raw("redirect_uri"))
    app, secret = await oauth.register_app(
        params.str("client_name", "") or "",
        redirect,
        params.raw("scopes"),
        params.str("website"),
        address=client_address(request),
    )
    return web.json_response(render_application(app, client_secret=secret, vapid_key=request.app[VAPID_PUBLIC_KEY]))


async def verify_app(request: web.Request) -> web.Response:
    """GET /api/v1/apps/verify_credentials: any valid token shows its app."""
    caller = await app_caller(request)
    return web.json_response(render_application(caller.token.app, vapid_key=request.app[VAPID_PUBLIC_KEY]))


async def issue_token(request: web.Request) -> web.Response:
    """POST /oauth/token: the four grants; errors are RFC 6749 shaped."""
    params = await read_params(request)
    client_id, client_secret = _client_credentials(request, params.str("client_id"), params.str("client_secret"))
    grant = params.str("grant_type")
    try:
        pair = await _grant(grant, client_id, client_secret, params, client_address(request))
    except TooManyRequests:
        raise  # 429 with Retry-After, from the request middleware
    except OAuthError as err:
        return _oauth_error(err.code, str(err), err.status)
    except FedaidError as err:
        return _oauth_error("invalid_request", str(err), 400)
    return web.json_response(_render_token(pair), headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


async def _grant(
    grant: str | None, client_id: str | None, client_secret: str | None, params, address: str
) -> TokenPair:
    scope = params.str("scope") or params.str("scopes")
    match grant:
        case "authorization_code":
            return await oauth.exchange_code(
                client_id, client_secret, params.str("code"), params.str("redirect_uri"), params.str("code_verifier")
            )
        case "password":
            return await oauth.password_grant(
                client_id, client_secret, params.str("username"), params.str("password"), scope, address=address
            )
        case "client_credentials":
            return await oauth.client_credentials_grant(client_id, client_secret, scope)
        case "refresh_token":
            return await oauth.refresh_grant(client_id, client_secret, params.str("refresh_token"), scope)
        case _:
            raise OAuthError("unsupported_grant_type", f"grant_type must be one of {', '.join(GRANT_TYPES)}.")


def _client_credentials(
    request: web.Request, client_id: str | None, client_secret: str | None
) -> tuple[str | None, str | None]:
    """Client id and secret from the body, or HTTP Basic (client_secret_basic)."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic ") and not client_id:
        try:
            decoded = base64.b64decode(header[6:].strip()).decode()
        except (binascii.Error, UnicodeDecodeError):
            return client_id, client_secret
        user, _, password = decoded.partition(":")
        return unquote(user), unquote(password)
    return client_id, client_secret


def _render_token(pair: TokenPair) -> dict:
    body = {
        "access_token": pair.access_token,
        "token_type": "Bearer",
        "scope": pair.scope,
        "created_at": int(pair.token.created_at.timestamp()),
    }
    if pair.refresh_token:
        body["refresh_token"] = pair.refresh_token
    return body


def _oauth_error(code: str, description: str, status: int) -> web.Response:
    return web.json_response(
        {"error": code, "error_description": description}, status=status, headers={"Cache-Control": "no-store"}
    )


async def revoke_token(request: web.Request) -> web.Response:
    """POST /oauth/revoke (RFC 7009): 200 and {} whether or not the token existed."""
    params = await read_params(request)
    client_id, client_secret = _client_credentials(request, params.str("client_id"), params.str("client_secret"))
    try:
        await oauth.revoke(params.str("token"), client_id=client_id, client_secret=client_secret)
    except OAuthError as err:
        return _oauth_error(err.code, str(err), err.status)
    return web.json_response({})


async def userinfo(request: web.Request) -> web.Response:
    """GET /oauth/userinfo (OpenID Connect claims Mastodon returns for the `profile` scope)."""
    caller = await user_caller(request, "profile", "read:accounts")
    actor = caller.actor
    return web.json_response(
        {
            "iss": request.app[SETTINGS].base_url,
            "sub": actor.ap_id,
            "name": actor.name,
            "preferred_username": actor.username,
            "profile": actor.url or actor.ap_id,
            "picture": actor.icon_url,
            "updated_at": int((actor.created_at).timestamp()),
            "created_at": iso(actor.created_at),
        }
    )


async def server_metadata(request: web.Request) -> web.Response:
    """GET /.well-known/oauth-authorization-server (RFC 8414)."""
    base = request.app[SETTINGS].base_url
    return web.json_response(
        {
            "issuer": f"{base}/",
            "service_documentation": "https://docs.joinmastodon.org/",
            "authorization_endpoint": f"{base}/oauth/authorize",
            "token_endpoint": f"{base}/oauth/token",
            "revocation_endpoint": f"{base}/oauth/revoke",
            "userinfo_endpoint": f"{base}/oauth/userinfo",
            "app_registration_endpoint": f"{base}/api/v1/apps",
            "scopes_supported": sorted(ALL_SCOPES),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query", "fragment", "form_post"],
            "grant_types_supported": list(GRANT_TYPES),
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "code_challenge_methods_supported": list(oauth.PKCE_METHODS),
        }
    )
