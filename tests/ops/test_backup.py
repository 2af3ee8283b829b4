"""`fedaid backup` of a running SQLite instance, `fedaid restore` into a fresh data folder, and the restored
instance serving the same actors (same keys) and posts; a damaged backup is refused."""

from __future__ import annotations

import asyncio
import sqlite3
import tarfile
from pathlib import Path

import aiohttp

from ops.processes import Process, fedaid_env, free_port, run_fedaid, wait_http

AP_JSON = "application/activity+json"


async def fetch_json(url: str) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as session, session.get(url, headers={"Accept": AP_JSON}) as answer:
        return answer.status, await answer.json(content_type=None) if answer.status == 200 else {}


def public_key_of(database: Path, username: str) -> str:
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return connection.execute("SELECT public_key_pem FROM actor WHERE username = ?", (username,)).fetchone()[0]
    finally:
        connection.close()


async def run(*args: str, env: dict[str, str], stdin: str = "") -> str:
    result = await asyncio.to_thread(run_fedaid, *args, env=env, stdin=stdin)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


async def test_a_backup_restored_into_a_new_data_folder_serves_the_same_actors_and_posts(tmp_path):
    port = free_port()
    original = fedaid_env(tmp_path / "original", port)
    first = Process("original", ("serve", "--port", str(port)), original, tmp_path / "original.log")
    archive = tmp_path / "backups" / "fedaid-backup.tar.gz"
    archive.parent.mkdir()
    try:
        # Given a running instance with a member, her offer and a media file
        first.start()
        await wait_http(f"{original['FEDAID_BASE_URL']}/healthz", process=first)
        await run("member", "add", "ana", "--email", "ana@example.org", "--password-stdin", env=original,
                  stdin="a long passphrase\n")  # fmt: skip
        published = await run("proposal", "add", "offer", "Je prête ma perceuse", "--as", "ana", env=original)
        post_url = published.strip().rsplit("(", 1)[1].rstrip(")")
        picture = tmp_path / "original" / "media" / "ab" / "abcdef.webp"
        picture.parent.mkdir(parents=True)
        picture.write_bytes(b"RIFF\x00\x00\x00\x00WEBPVP8 not really a picture")

        # When it is backed up while it runs
        said = await run("backup", str(archive), env=original)
    finally:
        first.stop()
    assert f"Backup written to {archive}" in said
    with tarfile.open(archive) as tar:
        names = {Path(name).name for name in tar.getnames()}
    assert {"manifest.json", "fedaid.toml", "fedaid.sqlite3", "abcdef.webp"} <= names

    # And restored into a new data folder, where fedaid then starts at the same address
    restored = fedaid_env(tmp_path / "restored", port)
    await run("restore", str(archive), env=restored)
    second = Process("restored", ("serve", "--port", str(port)), restored, tmp_path / "restored.log")
    try:
        second.start()
        await wait_http(f"{restored['FEDAID_BASE_URL']}/healthz", process=second)
        actor_status, actor = await fetch_json(f"{restored['FEDAID_BASE_URL']}/u/ana")
        post_status, post = await fetch_json(post_url)
    finally:
        second.stop()

    # Then it serves the same member with the same key, her offer, and has the same secret and files
    assert actor_status == 200 and actor["publicKey"]["publicKeyPem"] == public_key_of(
        tmp_path / "original" / "fedaid.sqlite3", "ana"
    )
    assert post_status == 200 and "perceuse" in post["content"]
    assert (tmp_path / "restored" / "fedaid.toml").read_text() == (tmp_path / "original" / "fedaid.toml").read_text()
    assert (tmp_path / "restored" / "media" / "ab" / "abcdef.webp").read_bytes() == picture.read_bytes()


async def test_a_damaged_backup_or_a_used_data_folder_is_refused(tmp_path):
    env = fedaid_env(tmp_path / "data", free_port())
    await run("migrate", env=env)
    backup = tmp_path / "backup"
    await run("backup", str(backup), env=env)

    into_used = await asyncio.to_thread(run_fedaid, "restore", str(backup), env=env)
    (backup / "fedaid.toml").write_text("secret_key = 'someone else'\n")
    damaged = await asyncio.to_thread(run_fedaid, "restore", str(backup), env=fedaid_env(tmp_path / "new", 1))

    assert damaged.returncode == 2 and "fedaid.toml is missing or differs" in damaged.stderr
    assert into_used.returncode == 2 and "is not empty" in into_used.stderr
    assert not (tmp_path / "new" / "fedaid.sqlite3").exists()
