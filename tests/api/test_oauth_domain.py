"""Tests for fedaid/domain/oauth.py: apps, codes with PKCE, grants, revocation and scopes. No HTTP."""

from __future__ import annotations

import secrets

import pytest

from fedaid.db import Database
from fedaid.domain import oauth, oauth_scopes
from fedaid.domain.members import Member, add_member
from fedaid.errors import Forbidden, InvalidInput, OAuthError, Unauthorized
from fedaid.models import OAuthApp, OAuthCode, OAuthToken

REDIRECT = "https://app.example/callback"
BASE = "https://aid.example"
ADDRESS = "192.0.2.10"


@pytest.fixture
async def ana(db: Database) -> Member:
    return await add_member(BASE, "ana", email="ana@aid.example", password="correct horse battery")


@pytest.fixture
async def client(db: Database) -> tuple[OAuthApp, str]:
    return await oauth.register_app("Tusky", [REDIRECT], "read write follow push", "https://tusky.app", address=ADDRESS)


def test_scope_hierarchy_read_covers_its_sub_scopes_and_follow_covers_follows() -> None:
    assert oauth_scopes.has_scope("read", "read:statuses")
    assert not oauth_scopes.has_scope("read", "write:statuses")
    assert not oauth_scopes.has_scope("read:accounts", "read")
    assert oauth_scopes.has_scope("follow", "write:follows")
    assert not oauth_scopes.has_scope("follow", "write:statuses")
    assert oauth_scopes.has_scope("admin:read", "admin:read:accounts")
    assert oauth_scopes.parse_scopes("read+write") == ("read", "write")
    with pytest.raises(InvalidInput):
        oauth_scopes.parse_scopes("read everything")


async def test_app_secret_and_tokens_are_stored_only_as_hashes(client, ana) -> None:
    app, secret = client
    pair = await oauth.password_grant(
        app.client_id, secret, "ana@aid.example", "correct horse battery", "read", address=ADDRESS
    )
    stored = await OAuthToken.get(id=pair.token.id)
    assert stored.token_hash == oauth.hash_secret(pair.access_token) != pair.access_token
    assert pair.access_token not in repr(await OAuthToken.all().values())
    assert pair.refresh_token not in repr(await OAuthToken.all().values())
    assert secret not in repr(await OAuthApp.all().values())


async def test_authorization_code_with_pkce_is_exchanged_once(client, ana) -> None:
    # Given a request with an S256 challenge, approved by ana
    app, secret = client
    verifier = secrets.token_urlsafe(48)
    request = await oauth.check_authorization_request(
        app.client_id, REDIRECT, "read write", "code", oauth.pkce_s256(verifier), "S256", state="xyz"
    )
    code = await oauth.grant_code(request, ana.account)
    assert oauth.authorization_redirect(request, code) == f"{REDIRECT}?code={code}&state=xyz"
    assert await OAuthCode.filter(code_hash=code).count() == 0
    # When the app exchanges the code with the wrong verifier, then the right one
    with pytest.raises(OAuthError, match="code_verifier"):
        await oauth.exchange_code(app.client_id, None, code, REDIRECT, "wrong" * 10)
    pair = await oauth.exchange_code(app.client_id, None, code, REDIRECT, verifier)
    # Then it gets ana's token, and the code does not work twice
    token, account = await oauth.authenticate(pair.access_token)
    assert account.id == ana.account.id and token.scopes == "read write"
    with pytest.raises(OAuthError, match="already used"):
        await oauth.exchange_code(app.client_id, secret, code, REDIRECT, verifier)


async def test_authorization_request_errors_are_readable(client) -> None:
    app, _ = client
    with pytest.raises(InvalidInput, match="unknown"):
        await oauth.check_authorization_request("nope", REDIRECT, "read", "code")
    with pytest.raises(InvalidInput, match="redirect_uri"):
        await oauth.check_authorization_request(app.client_id, "https://evil.example/", "read", "code")
    with pytest.raises(InvalidInput, match="S256"):
        await oauth.check_authorization_request(app.client_id, REDIRECT, "read", "code", "x" * 43, "plain")
    with pytest.raises(InvalidInput, match="response_type"):
        await oauth.check_authorization_request(app.client_id, REDIRECT, "read", "token")
    with pytest.raises(InvalidInput, match="admin:read"):
        await oauth.check_authorization_request(app.client_id, REDIRECT, "admin:read", "code")


async def test_code_without_pkce_needs_the_client_secret(client, ana) -> None:
    app, secret = client
    request = await oauth.check_authorization_request(app.client_id, REDIRECT, "read", "code")
    code = await oauth.grant_code(request, ana.account)
    with pytest.raises(OAuthError):
        await oauth.exchange_code(app.client_id, None, code, REDIRECT)
    pair = await oauth.exchange_code(app.client_id, secret, code, REDIRECT)
    assert pair.token.account_id == ana.account.id


async def test_password_grant_refuses_a_wrong_password_and_a_wrong_secret(client, ana) -> None:
    app, secret = client
    with pytest.raises(OAuthError, match="password"):
        await oauth.password_grant(app.client_id, secret, "ana@aid.example", "wrong password!", "read", address=ADDRESS)
    with pytest.raises(OAuthError) as err:
        await oauth.password_grant(
            app.client_id, "bad", "ana@aid.example", "correct horse battery", "read", address=ADDRESS
        )
    assert err.value.status == 401 and err.value.code == "invalid_client"


async def test_refresh_rotates_the_pair_and_revoke_refuses_the_token(client, ana) -> None:
    app, secret = client
    first = await oauth.password_grant(
        app.client_id, secret, "ana", "correct horse battery", "read write", address=ADDRESS
    )
    second = await oauth.refresh_grant(app.client_id, secret, first.refresh_token)
    with pytest.raises(Unauthorized, match="revoked"):
        await oauth.authenticate(first.access_token)
    await oauth.revoke(second.access_token, client_id=app.client_id, client_secret=secret)
    with pytest.raises(Unauthorized, match="revoked"):
        await oauth.authenticate(second.access_token)
    with pytest.raises(OAuthError):
        await oauth.refresh_grant(app.client_id, secret, second.refresh_token)


async def test_client_credentials_token_has_no_account_and_scopes_are_enforced(client) -> None:
    app, secret = client
    pair = await oauth.client_credentials_grant(app.client_id, secret, "read")
    token, account = await oauth.authenticate(pair.access_token)
    assert account is None and token.app.name == "Tusky"
    oauth_scopes.require_scope(token, "read:statuses")
    with pytest.raises(Forbidden):
        oauth_scopes.require_scope(token, "write:statuses")
    with pytest.raises(Unauthorized):
        await oauth.authenticate("not-a-token")
