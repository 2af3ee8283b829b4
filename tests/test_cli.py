"""The `fedaid` command as an admin uses it: real processes, real data folders, both databases."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import urllib.request

import pytest


def fedaid(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fedaid", *args],
        env={**os.environ, **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=240,  # a guard against a hang only: on a loaded two-core machine a command has taken over 60 s
    )


async def test_migrate_applies_to_an_empty_database_and_a_second_run_changes_nothing(empty_database_url, tmp_path):
    env = {"FEDAID_DATA_DIR": str(tmp_path / "data"), "FEDAID_DATABASE_URL": empty_database_url}
    first = await asyncio.to_thread(fedaid, "migrate", env=env)
    assert first.returncode == 0, first.stderr
    assert "applied models.0001_initial" in first.stdout
    second = await asyncio.to_thread(fedaid, "migrate", env=env)
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == "The database is up to date."


async def test_members_are_added_listed_and_removed(database_url, tmp_path):
    env = {"FEDAID_DATA_DIR": str(tmp_path / "data"), "FEDAID_DATABASE_URL": database_url}
    added = await asyncio.to_thread(
        fedaid,
        "member",
        "add",
        "ana",
        "--email",
        "ana@example.org",
        "--admin",
        "--password-stdin",
        env=env,
        stdin="a long passphrase\n",
    )
    assert added.returncode == 0, added.stderr
    listed = await asyncio.to_thread(fedaid, "member", "list", env=env)
    assert "@ana@localhost:8080\tana@example.org\tadmin" in listed.stdout
    removed = await asyncio.to_thread(fedaid, "member", "remove", "ana", env=env)
    assert removed.returncode == 0 and "410" in removed.stdout
    again = await asyncio.to_thread(fedaid, "member", "remove", "ana", env=env)
    assert again.returncode == 2 and again.stderr.startswith("fedaid: error:")


async def test_reset_password_prints_a_one_time_link_or_sets_the_password_from_stdin(database_url, tmp_path):
    from fedaid.db import Database
    from fedaid.domain.accounts import authenticate
    from fedaid.domain.password_resets import check_reset_link, reset_password
    from fedaid.errors import Gone

    env = {"FEDAID_DATA_DIR": str(tmp_path / "data"), "FEDAID_DATABASE_URL": database_url}
    add = ("member", "add", "ana", "--email", "ana@example.org", "--password-stdin")
    assert (await asyncio.to_thread(fedaid, *add, env=env, stdin="a long passphrase\n")).returncode == 0
    # An instance without mail: the admin prints a link for Ana
    printed = await asyncio.to_thread(fedaid, "member", "reset-password", "ana", env=env)
    assert printed.returncode == 0, printed.stderr
    link = printed.stdout.split()[-1]
    assert link.startswith("http://localhost:8080/reset/") and "one hour" in printed.stdout
    # Or sets a password read from standard input
    set_it = await asyncio.to_thread(
        fedaid, "member", "reset-password", "ana", "--password-stdin", env=env, stdin="typed by the admin\n"
    )
    assert set_it.returncode == 0, set_it.stderr
    db = Database(database_url)
    await db.connect()
    try:
        with db.active():
            assert await authenticate("ana", "typed by the admin", address="192.0.2.1") is not None
            token = link.rsplit("/", 1)[1]
            assert (await check_reset_link(token)).email == "ana@example.org"
            await reset_password(token, "chosen through the link")
            assert await authenticate("ana", "chosen through the link", address="192.0.2.1") is not None
            with pytest.raises(Gone):
                await check_reset_link(token)
    finally:
        await db.close()
    unknown = await asyncio.to_thread(fedaid, "member", "reset-password", "nobody", env=env)
    assert unknown.returncode == 2 and unknown.stderr.startswith("fedaid: error:")


@pytest.mark.parametrize(
    ("env", "stdin", "args", "message"),
    [
        ({"FEDAID_DATABASE_URL": "mysql://localhost/x"}, "", ("migrate",), "must start with sqlite:// or postgres://"),
        ({"FEDAID_DATABASE_URL": "postgres://nobody@127.0.0.1:1/x"}, "", ("migrate",), "Cannot open the database"),
        ({"FEDAID_DATA_DIR": "/proc/fedaid"}, "", ("migrate",), "is not writable"),
        ({"FEDAID_BASE_URL": "aid.example"}, "", ("migrate",), "FEDAID_BASE_URL must be an http(s) URL"),
        ({"FEDAID_FEDERATION_MODE": "closed"}, "", ("migrate",), "FEDAID_FEDERATION_MODE must be one of"),
        ({"FEDAID_WORKER_CONCURRENCY": "many"}, "", ("migrate",), "must be a whole number"),
        ({}, "", ("member", "add", "bob", "--email", "bob@example.org", "--password-stdin"), "No password"),
        ({}, "short\n", ("member", "add", "bob", "--email", "bob@example.org", "--password-stdin"), "at least 10"),
        (
            {},
            "a long passphrase\n",
            ("member", "add", "Bob!", "--email", "bob@example.org", "--password-stdin"),
            "lowercase letters",
        ),
        (
            {},
            "a long passphrase\n",
            ("member", "add", "bob", "--email", "not-an-email", "--password-stdin"),
            "email address",
        ),
    ],
)
def test_bad_configuration_and_input_give_one_clear_line(tmp_path, env, stdin, args, message):
    env = {"FEDAID_DATA_DIR": str(tmp_path / "data"), **env}
    result = fedaid(*args, env=env, stdin=stdin)
    assert result.returncode == 2
    assert result.stderr.startswith("fedaid: error:") and message in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_flag_is_a_usage_error_without_traceback(tmp_path):
    result = fedaid("serve", "--port", "eighty", env={"FEDAID_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2 and "invalid int value" in result.stderr and "Traceback" not in result.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_first_serve_initialises_the_data_folder_and_prints_url_and_admin_link(tmp_path):
    port = free_port()
    env = {**os.environ, "FEDAID_DATA_DIR": str(tmp_path / "data"), "FEDAID_BASE_URL": f"http://127.0.0.1:{port}"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fedaid",
            "serve",
            "--port",
            str(port),
            "--collective-name",
            "Collectif des chauffeurs",
            "--collective-slug",
            "chauffeurs",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first_line = process.stdout.readline()
        link_line = process.stdout.readline()
        assert f"http://127.0.0.1:{port}" in first_line and "Collectif des chauffeurs" in first_line
        assert f"http://127.0.0.1:{port}/signup?invite=" in link_line
        assert (tmp_path / "data" / "fedaid.toml").exists()
        assert "secret_key" in (tmp_path / "data" / "fedaid.toml").read_text()
        url = f"http://127.0.0.1:{port}/.well-known/webfinger?resource=acct:chauffeurs@127.0.0.1:{port}"
        for _ in range(50):
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    jrd = json.load(response)
                break
            except OSError:
                import time

                time.sleep(0.1)
        assert jrd["links"][0]["href"] == f"http://127.0.0.1:{port}/c/chauffeurs"
    finally:
        process.terminate()
        process.wait(timeout=10)


async def test_a_member_publishes_an_offer_another_takes_it_and_both_confirm(database_url, tmp_path):
    env = {"FEDAID_DATA_DIR": str(tmp_path / "data"), "FEDAID_DATABASE_URL": database_url}

    async def run(*args: str, stdin: str = "") -> str:
        result = await asyncio.to_thread(fedaid, *args, env=env, stdin=stdin)
        assert result.returncode == 0, result.stderr
        return result.stdout

    for name in ("ana", "bob"):
        await run(
            "member", "add", name, "--email", f"{name}@example.org", "--password-stdin", stdin="a long passphrase\n"
        )
    published = await run(
        "proposal",
        "add",
        "offer",
        "Réparer un vélo",
        "--as",
        "ana",
        "--hours",
        "2",
        "--category",
        "reparation",
        "--tag",
        "vélo",
    )
    proposal_id = published.split("#", 1)[1].split(":", 1)[0]
    assert f"#{proposal_id}\toffer\topen\t2.00/2.00 h\t@ana@localhost:8080\tRéparer un vélo" in await run(
        "proposal", "list", "--status", "open"
    )
    taken = await run("agreement", "take", proposal_id, "--as", "bob")
    agreement_id = taken.split("\t", 1)[0].lstrip("#")
    assert "accepted\t2.00 h\t@ana@localhost:8080 helps @bob@localhost:8080" in taken
    assert "waiting for the other side" in await run("agreement", "confirm", agreement_id, "--as", "ana")
    assert "counted in both ledgers" in await run("agreement", "confirm", agreement_id, "--as", "bob")
    listing = await run("agreement", "list", "--as", "ana")
    assert "hours given 2.00, received 0.00" in listing


async def test_taking_your_own_offer_or_closing_someone_elses_is_one_clear_error(database_url, tmp_path):
    env = {"FEDAID_DATA_DIR": str(tmp_path / "data"), "FEDAID_DATABASE_URL": database_url}
    for name in ("ana", "bob"):
        await asyncio.to_thread(
            fedaid,
            "member",
            "add",
            name,
            "--email",
            f"{name}@example.org",
            "--password-stdin",
            env=env,
            stdin="a long passphrase\n",
        )
    published = await asyncio.to_thread(
        fedaid, "proposal", "add", "request", "Traduire un devis", "--as", "ana", env=env
    )
    proposal_id = published.stdout.split("#", 1)[1].split(":", 1)[0]
    own = await asyncio.to_thread(fedaid, "agreement", "take", proposal_id, "--as", "ana", env=env)
    assert own.returncode == 2 and own.stderr.startswith("fedaid: error:") and "own" in own.stderr
    closed = await asyncio.to_thread(fedaid, "proposal", "close", proposal_id, "--as", "bob", env=env)
    assert closed.returncode == 2 and closed.stderr.startswith("fedaid: error:")
    bad_hours = await asyncio.to_thread(
        fedaid, "proposal", "add", "offer", "X", "--as", "bob", "--hours", "deux", env=env
    )
    assert bad_hours.returncode == 2 and "--hours must be a number" in bad_hours.stderr


async def test_media_prune_deletes_files_nothing_refers_to(database_url, tmp_path):
    env = {"FEDAID_DATA_DIR": str(tmp_path / "data"), "FEDAID_DATABASE_URL": database_url}
    assert (await asyncio.to_thread(fedaid, "migrate", env=env)).returncode == 0
    stray = tmp_path / "data" / "media" / "ab" / ("ab" * 32 + ".jpg")
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"left behind by a crash")
    pruned = await asyncio.to_thread(fedaid, "media", "prune", "--remote-days", "30", env=env)
    assert pruned.returncode == 0, pruned.stderr
    assert pruned.stdout.strip() == (
        "0 attachments removed, 0 remote copies dropped, 1 files deleted, "
        "0 files of interrupted removals or writes taken back."
    )
    assert not stray.exists()


async def test_a_member_drafts_a_demand_an_organiser_publishes_moves_and_exports_it(database_url, tmp_path):
    env = {"FEDAID_DATA_DIR": str(tmp_path / "data"), "FEDAID_DATABASE_URL": database_url}

    async def run(*args: str, stdin: str = "", code: int = 0) -> str:
        result = await asyncio.to_thread(fedaid, *args, env=env, stdin=stdin)
        assert result.returncode == code, result.stderr
        return result.stdout + result.stderr

    for name, extra in (("ana", ()), ("orga", ("--organiser",))):
        await run(
            "member", "add", name, "--email", f"{name}@example.org", *extra, "--password-stdin", stdin="a long pass\n"
        )
    drafted = await run(
        "demand", "add", "Un tarif minimum", "--as", "ana", "--target", "Plateforme VTC",
        "--claim", "1,20 € par km", "--claim", "Des tarifs publiés", "--deadline", "2099-01-31T18:00+01:00",
    )  # fmt: skip
    demand_id = drafted.split("#", 1)[1].split(":", 1)[0]
    refused = await run("demand", "publish", demand_id, "--as", "ana", code=2)
    assert "admins and organisers" in refused
    assert "/c/collective/demands/" in await run("demand", "publish", demand_id, "--as", "orga")
    assert "is now delivered" in await run("demand", "status", demand_id, "delivered", "--as", "orga")
    listing = await run("demand", "list")
    assert (
        f"#{demand_id}\tdelivered\t@collective@localhost:8080\t2099-01-31T17:00:00+00:00\tUn tarif minimum" in listing
    )
    assert (await run("demand", "export", demand_id)).splitlines()[0] == "kind,name,address,date"


async def test_an_admin_creates_a_circle_lists_it_and_adds_a_facilitator(database_url, tmp_path):
    env = {"FEDAID_DATA_DIR": str(tmp_path / "data"), "FEDAID_DATABASE_URL": database_url}

    async def run(*args: str, stdin: str = "", code: int = 0) -> str:
        result = await asyncio.to_thread(fedaid, *args, env=env, stdin=stdin)
        assert result.returncode == code, result.stderr
        return result.stdout + result.stderr

    for name in ("fa", "bea"):
        await run("member", "add", name, "--email", f"{name}@example.org", "--password-stdin", stdin="a long pass\n")
    created = await run(
        "circle", "add", "marketing", "--name", "Cercle marketing", "--facilitator", "fa", "--topic", "marketing",
        "--closed",
    )  # fmt: skip
    assert "closed circle http://localhost:8080/c/marketing" in created
    assert "@marketing@localhost:8080" in created
    # Bad input: one line with the reason, nothing created
    unknown = await run("circle", "add", "x", "--name", "X", "--facilitator", "fa", "--topic", "cuisine", code=2)
    assert "Unknown coaching topics: cuisine" in unknown
    zone = await run("circle", "add", "y", "--name", "Y", "--facilitator", "fa", "--timezone", "Mars/Olympus", code=2)
    assert "is not a time zone" in zone
    assert "No circle 'nope' here" in await run("circle", "facilitator", "nope", "bea", code=2)
    assert "@bea now facilitates marketing." in await run("circle", "facilitator", "marketing", "bea")
    listing = await run("circle", "list")
    assert listing.splitlines() == [
        "marketing\tclosed\tEurope/Paris\tmarketing\t@fa,@bea\t0 member(s)\t0 session(s) ahead\tCercle marketing",
        "1 circle(s)",
    ]
