"""SQLite shared by a web process and a worker process, started at the same moment as the README shows.

Both used to write and delete one probe file in the data folder (one then exited with "data folder … is
not writable") and both applied the first migration ("table actor already exists"); at run time a
deferred transaction that read then wrote could fail with "database is locked" when the other process
had committed in between. Here both start together on an empty data folder, a third process adds a member
meanwhile, and a remote server's follow and forty posts go through the web process's inbox and the
worker's queues while the web process keeps writing inbox items.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from fakes.remote_instance import AS, start_fake_remote
from ops.processes import Process, add_member_by_cli, fedaid_env, free_port, wait_http

POSTS = 40


def note_for(fake, number: int, to: str) -> dict:
    actor = fake.actor_id("alice")
    note = {
        "id": fake.url(f"/users/alice/statuses/{number}"),
        "type": "Note",
        "attributedTo": actor,
        "content": f"<p>Coup de main numéro {number}</p>",
        "published": "2026-01-05T10:00:00Z",
        "to": [to],
        "cc": [f"{AS}#Public"],
    }
    return {"@context": AS, "id": f"{note['id']}/activity", "type": "Create", "actor": actor, "object": note}


def count(database: Path, sql: str, *values: object) -> int:
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
    try:
        return connection.execute(sql, values).fetchone()[0]
    finally:
        connection.close()


async def until_count(database: Path, sql: str, expected: int, processes: list[Process], timeout: float = 120) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while (found := await asyncio.to_thread(count, database, sql)) < expected:
        for process in processes:
            assert process.running, f"{process.name} exited:\n{process.output()[-3000:]}"
        assert asyncio.get_running_loop().time() < deadline, f"{found} of {expected} after {timeout} s: {sql}"
        await asyncio.sleep(0.2)


async def test_web_and_worker_started_together_share_one_sqlite_file(tmp_path, aiohttp_server):
    fake = await start_fake_remote(aiohttp_server, usernames=("alice",))
    port = free_port()
    env = fedaid_env(tmp_path / "data", port)
    base_url = env["FEDAID_BASE_URL"]
    web = Process("web", ("serve", "--no-worker", "--port", str(port)), env, tmp_path / "web.log")
    worker = Process("worker", ("worker",), env, tmp_path / "worker.log")
    database = tmp_path / "data" / "fedaid.sqlite3"
    try:
        # Given both processes started at the same moment on an empty data folder
        web.start(), worker.start()
        await wait_http(f"{base_url}/.well-known/nodeinfo", process=web)
        await add_member_by_cli("ana", env)

        # When a remote account follows a member, then sends forty posts to her at once
        ana = f"{base_url}/u/ana"
        follow = {"@context": AS, "id": fake.url("/follows/1"), "type": "Follow", "actor": fake.actor_id("alice")}
        status, text = await fake.post_signed(f"{base_url}/inbox", {**follow, "object": ana})
        assert status == 202, text
        answers = await asyncio.gather(
            *(fake.post_signed(f"{base_url}/u/ana/inbox", note_for(fake, n, ana)) for n in range(POSTS))
        )
        assert [status for status, _ in answers] == [202] * POSTS, answers

        # Then the worker applies every one and delivers the Accept, and neither process met a locked database
        await until_count(database, "SELECT COUNT(*) FROM post WHERE ap_id LIKE '%/users/alice/statuses/%'", POSTS,
                          [web, worker])  # fmt: skip
        await until_count(database, "SELECT COUNT(*) FROM delivery WHERE state = 'done'", 1, [web, worker])
        accepts = [seen.activity for seen in fake.received]
        assert [activity["type"] for activity in accepts] == ["Accept"]
        assert web.running and worker.running
    finally:
        web.stop(), worker.stop()
    logs = web.output() + worker.output()
    assert "locked" not in logs and "Traceback" not in logs and "not writable" not in logs, logs[-3000:]
    assert (tmp_path / "data" / "fedaid.toml").read_text().count("secret_key") == 1
