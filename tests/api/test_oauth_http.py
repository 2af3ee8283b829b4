"""OAuth over HTTP: app registration, token grants, revocation, metadata, and scope enforcement."""

from __future__ import annotations

from fedaid.domain.oauth import hash_secret
from fedaid.models import OAuthToken

from testsupport import PASSWORD


async def register(api, scopes: str = "read write follow push") -> dict:
    answer = await api.post(
        "/api/v1/apps",
        data={
            "client_name": "Tusky",
            "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
            "scopes": scopes,
            "website": "https://tusky.app",
        },
    )
    assert answer.status == 200, answer.body
    return answer.body


async def test_app_registration_accepts_form_json_and_multipart_bodies(api) -> None:
    form = await register(api)
    assert form["client_id"] and form["client_secret"] and form["scopes"] == ["read", "write", "follow", "push"]
    as_json = await api.post(
        "/api/v1/apps", json={"client_name": "Ivory", "redirect_uris": ["https://ivory.app/cb"], "scopes": "read"}
    )
    assert as_json.status == 200 and as_json.body["redirect_uris"] == ["https://ivory.app/cb"]
    import aiohttp

    multipart = aiohttp.FormData()
    multipart.add_field("client_name", "Phanpy")
    multipart.add_field("redirect_uris", "https://phanpy.social/")
    multipart.add_field("file", b"ignored", filename="x.bin")  # forces multipart/form-data
    as_multipart = await api.post("/api/v1/apps/", data=multipart)
    assert as_multipart.status == 200 and as_multipart.body["name"] == "Phanpy"
    missing = await api.post("/api/v1/apps", data={"redirect_uris": "urn:ietf:wg:oauth:2.0:oob"})
    assert missing.status == 400 and "name" in missing.body["error"]


async def test_password_grant_verify_credentials_and_revoke(api) -> None:
    # Given a member and a registered app
    await api.add_member("ana")
    app = await register(api)
    # When the app signs in with the password grant
    token = await api.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "username": "ana@example.org",
            "password": PASSWORD,
            "scope": "read write",
        },
    )
    assert token.status == 200, token.body
    access = token.body["access_token"]
    # Then the token works, is not stored in clear, and stops working once revoked
    me = await api.get("/api/v1/accounts/verify_credentials", token=access)
    assert me.status == 200 and me.body["username"] == "ana" and me.body["acct"] == "ana"
    verified = await api.get("/api/v1/apps/verify_credentials", token=access)
    assert verified.status == 200 and verified.body["name"] == "Tusky"
    with api.instance.db.active():
        stored = await OAuthToken.all().values_list("token_hash", "refresh_token_hash")
    assert access not in str(stored) and token.body["refresh_token"] not in str(stored)
    assert (hash_secret(access), hash_secret(token.body["refresh_token"])) in [tuple(row) for row in stored]
    revoked = await api.post(
        "/oauth/revoke", data={"client_id": app["client_id"], "client_secret": app["client_secret"], "token": access}
    )
    assert revoked.status == 200
    refused = await api.get("/api/v1/accounts/verify_credentials", token=access)
    assert refused.status == 401 and refused.body["error"]


async def test_token_errors_are_rfc6749_shaped(api) -> None:
    app = await register(api)
    bad_secret = await api.post(
        "/oauth/token",
        json={"grant_type": "client_credentials", "client_id": app["client_id"], "client_secret": "nope"},
        check=False,
    )
    assert bad_secret.status == 401 and bad_secret.body["error"] == "invalid_client"
    unknown = await api.post(
        "/oauth/token",
        data={"grant_type": "implicit", "client_id": app["client_id"], "client_secret": app["client_secret"]},
        check=False,
    )
    assert unknown.status == 400 and unknown.body["error"] == "unsupported_grant_type"


async def test_client_credentials_token_verifies_the_app_but_is_not_a_user(api) -> None:
    app = await register(api)
    token = await api.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "scope": "read",
        },
    )
    assert token.status == 200 and "refresh_token" not in token.body
    access = token.body["access_token"]
    assert (await api.get("/api/v1/apps/verify_credentials", token=access)).status == 200
    assert (await api.get("/api/v1/accounts/verify_credentials", token=access)).status == 401


async def test_refresh_grant_rotates_tokens(api) -> None:
    await api.add_member("ana")
    app = await register(api)
    first = (
        await api.post(
            "/oauth/token",
            data={
                "grant_type": "password",
                "client_id": app["client_id"],
                "client_secret": app["client_secret"],
                "username": "ana",
                "password": PASSWORD,
                "scope": "read",
            },
        )
    ).body
    second = await api.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "refresh_token": first["refresh_token"],
        },
    )
    assert second.status == 200 and second.body["access_token"] != first["access_token"]
    assert (await api.get("/api/v1/accounts/verify_credentials", token=first["access_token"])).status == 401
    assert (await api.get("/api/v1/accounts/verify_credentials", token=second.body["access_token"])).status == 200


async def test_authorization_server_metadata(api) -> None:
    answer = await api.get("/.well-known/oauth-authorization-server")
    assert answer.status == 200
    assert answer.body["code_challenge_methods_supported"] == ["S256"]
    assert answer.body["token_endpoint"] == f"{api.base_url}/oauth/token"
    assert set(answer.body["grant_types_supported"]) >= {
        "authorization_code",
        "password",
        "client_credentials",
        "refresh_token",
    }


async def test_a_token_without_write_cannot_post_and_a_read_token_still_reads(api) -> None:
    await api.add_member("ana", scopes="read")
    refused = await api.post("/api/v1/statuses", as_="ana", data={"status": "hello"})
    assert refused.status == 403 and refused.body["error"]
    assert (await api.get("/api/v1/timelines/home", as_="ana")).status == 200
    assert (await api.post("/api/v1/statuses", data={"status": "hello"})).status == 401
