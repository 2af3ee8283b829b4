"""Real clients against a live instance: the `toot` command line (PyPI `toot`) and Mastodon.py, each calling the
URLs it builds itself (toot opens `/oauth/authorize/?…`, Mastodon.py posts to `/api/v1/reports/`)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
from real_clients import checked_session, client_for, consent_in_browser

from testsupport import PASSWORD

pytest.importorskip("toot")
pytest.importorskip("mastodon")
from mastodon import MastodonAPIError  # noqa: E402


async def _line_with(stream: asyncio.StreamReader, needle: str, seen: list[str]) -> str:
    while True:
        raw = await asyncio.wait_for(stream.readline(), 30)
        if not raw:
            raise AssertionError(f"toot ended before printing {needle!r}: {''.join(seen)}")
        line = raw.decode()
        seen.append(line)
        if needle in line:
            return line.strip()


async def _toot(config_home: Path, *args: str, stdin: bytes | None = None) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "toot",
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "XDG_CONFIG_HOME": str(config_home), "NO_COLOR": "1"},
    )
    out, _ = await asyncio.wait_for(process.communicate(stdin), 60)
    return process.returncode or 0, out.decode()


async def test_toot_logs_in_with_the_url_it_builds(make_api, tmp_path) -> None:
    # Given an instance with a member, and toot's configuration in an empty folder
    api = await make_api("alpha")
    await api.add_member("ana")
    # When `toot login` registers itself and prints the browser URL it builds
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "toot",
        "login",
        "--instance",
        api.base_url,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path), "NO_COLOR": "1"},
    )
    assert process.stdin and process.stdout
    seen: list[str] = []
    try:
        url = await _line_with(process.stdout, "/oauth/authorize", seen)
        # Then it is the trailing-slash form (toot/api.py get_browser_login_url), and it is answered
        assert url.startswith(f"{api.base_url}/oauth/authorize/?"), url
        process.stdin.write(b"n\n")  # do not open a browser: the test is the browser
        code = await consent_in_browser(url, "ana", PASSWORD)
        # When ana pastes the code shown after her consent
        process.stdin.write(code.encode() + b"\n")
        await process.stdin.drain()
        out, _ = await asyncio.wait_for(process.communicate(), 60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    # Then toot is logged in as ana, and uses its token
    assert process.returncode == 0 and "Successfully logged in" in out.decode(), "".join(seen) + out.decode()
    status, whoami = await _toot(tmp_path, "whoami")
    assert status == 0 and "@ana" in whoami, whoami


async def test_both_slash_forms_answer_on_api_oauth_and_well_known_routes(make_api, mastodon_schema) -> None:
    # Given an instance with two members
    api = await make_api("alpha")
    await api.add_member("ana")
    bob = await api.add_member("bob")
    # Then GET routes answer with and without a trailing slash, query kept
    for path in ("/api/v1/instance", "/api/v2/instance", "/.well-known/nodeinfo", "/nodeinfo/2.0"):
        plain, slashed = await api.get(path), await api.get(f"{path}/")
        assert plain.status == slashed.status == 200, path
        assert plain.body == slashed.body, path
    finger = await api.get("/.well-known/webfinger/", params={"resource": f"acct:bob@{api.instance.settings.domain}"})
    assert finger.status == 200 and finger.body["subject"].startswith("acct:bob@")
    verified = await api.get("/api/v1/accounts/verify_credentials/", as_="ana")
    assert verified.status == 200 and verified.body["username"] == "ana"
    shown = await api.get(f"/api/v1/accounts/{bob.actor.id}/", as_="ana")
    assert shown.status == 200 and shown.body["username"] == "bob"
    # And unknown API paths stay Mastodon's JSON 404 either way
    for path in ("/api/v1/nothing", "/api/v1/nothing/"):
        missing = await api.get(path)
        assert missing.status == 404 and "error" in missing.body
    # When Mastodon.py reports bob (it posts to /api/v1/reports/)
    client = await asyncio.to_thread(client_for, api, checked_session(mastodon_schema), access_token=api.tokens["ana"])
    report = await asyncio.to_thread(client.report, bob.actor.id, comment="Spam")
    # Then the report is filed
    assert str(report.target_account.id) == str(bob.actor.id) and report.comment == "Spam"
    unknown = await api.post("/api/v1/reports/", as_="ana", json={"account_id": "99999999"})
    assert unknown.status == 404


async def test_mastodon_py_posts_an_offer_without_a_category_hashtag(make_api, mastodon_schema) -> None:
    # Given a member signed in with Mastodon.py, her account in French
    api = await make_api("alpha")
    await api.add_member("ana")
    client = await asyncio.to_thread(client_for, api, checked_session(mastodon_schema), access_token=api.tokens["ana"])
    # When she posts an offer naming no category
    status = await asyncio.to_thread(client.status_post, "#offre Je prête ma perceuse")
    # Then it is an offer in the lending category, one hour as lending suggests
    assert status.fedaid.purpose == "offer" and status.fedaid.category == "pret" and status.fedaid.hours == 1
    # And its content starts with the readable line: kind · title · hours
    assert status.content.startswith("<p>OFFRE · Je prête ma perceuse · 1 h</p>"), status.content
    listed = await api.get("/api/fedaid/v1/proposals", params={"category": "pret"})
    assert [p["id"] for p in listed.body] == [str(status.id)]
    # When she posts one whose words name no category, it is filed under the general one
    general = await asyncio.to_thread(client.status_post, "Un café ensemble ? #offre #adistance")
    assert general.fedaid.category == "divers" and general.content.startswith(
        "<p>OFFRE · Un café ensemble ? · 1 h · à distance</p>"
    )
    # And an error is in her language, listing every choice
    with pytest.raises(MastodonAPIError) as refused:
        await asyncio.to_thread(client.status_post, "Vélo #offre #transport #pret")
    assert "Choisissez une seule catégorie" in str(refused.value) and "#divers" in str(refused.value)
