"""OAuth redirect URIs: https, loopback http, the out-of-band URN and app schemes, as Mastodon allows; never
a scheme a browser would run (issue 14, found item 8). Refusals are 400 with a reason and store no app."""

from __future__ import annotations

import pytest

from fedaid.domain.oauth import check_authorization_request
from fedaid.domain.redirect_uris import redirect_uri_problem
from fedaid.errors import InvalidInput
from fedaid.models import OAuthApp

ALLOWED = (
    "https://client.example/cb",
    "https://client.example:8443/cb?app=1",
    "http://127.0.0.1:4567/callback",
    "http://localhost/cb",
    "http://[::1]:8080/cb",
    "http://127.3.2.1/cb",
    "urn:ietf:wg:oauth:2.0:oob",
    "com.tapbots.Ivory:/oauth",
    "tusky://oauth",
    "org.joinmastodon.android://callback",
    "fedilab+oauth://cb",
)
REFUSED = (
    "javascript:alert(document.cookie)",
    "JavaScript:alert(1)",
    "javascript://client.example/%0Aalert(1)",
    "java\tscript:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "DATA:text/html;base64,PHNjcmlwdD4=",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "blob:https://client.example/uuid",
    "about:blank",
    "http://client.example/cb",
    "http://127.0.0.1.evil.test/cb",
    "https:///nohost",
    "https:client.example",
    "https://user:pass@client.example/cb",
    "https://client.example/cb#fragment",
    "/relative/cb",
    "client.example/cb",
    "1app://cb",
    "https://client.example/c b",
    "https://client.example/\u0000",
    "https://client.example/" + "a" * 1000,
)


@pytest.mark.parametrize("uri", ALLOWED)
def test_app_redirect_uris_mastodon_allows_are_accepted(uri):
    assert redirect_uri_problem(uri) is None


@pytest.mark.parametrize("uri", REFUSED)
def test_hostile_or_unsafe_redirect_uris_are_refused(uri):
    assert redirect_uri_problem(uri)


async def test_registration_refuses_each_with_a_reason_and_stores_nothing(api) -> None:
    for uri in REFUSED:
        for body in (
            {"json": {"client_name": "X", "redirect_uris": [uri]}},
            {"data": {"client_name": "X", "redirect_uris": uri}},
        ):
            if "data" in body and any(ch.isspace() for ch in uri.strip()):
                continue  # a form value is split on spaces (one URI per line): the parts are checked instead
            answer = await api.post("/api/v1/apps", check=False, **body)
            assert answer.status == 400, (uri, answer.status, answer.body)
            reason = "NUL character" if "\x00" in uri else "Redirect URI"  # NUL is refused before the app is read
            assert reason in answer.body["error"], answer.body
    # A hostile URI beside a good one refuses the whole registration
    answer = await api.post(
        "/api/v1/apps",
        json={"client_name": "X", "redirect_uris": ["https://client.example/cb", "javascript:alert(1)"]},
        check=False,
    )
    assert answer.status == 400
    with api.instance.db.active():
        assert await OAuthApp.all().count() == 0


async def test_registration_accepts_what_mastodon_clients_use(api) -> None:
    answer = await api.post("/api/v1/apps", json={"client_name": "Apps", "redirect_uris": list(ALLOWED)})
    assert answer.status == 200 and answer.body["redirect_uris"] == list(ALLOWED)


async def test_an_app_stored_before_the_check_cannot_send_codes_to_javascript(api) -> None:
    with api.instance.db.active():
        app = await OAuthApp.create(
            client_id="old", client_secret_hash="x", name="Old", redirect_uris=["javascript:alert(1)"], scopes="read"
        )
        with pytest.raises(InvalidInput, match="not allowed"):
            await check_authorization_request(app.client_id, "javascript:alert(1)", "read", "code")
