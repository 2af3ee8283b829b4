"""What a worker pass reads (fedaid/worker.py and every job it runs): each statement finds its rows through an
index, never by reading a whole table that grows with the instance's life. The worker runs its jobs every
half second even when idle, so one such read costs a pass the size of the table, again and again
(tests/query_plans.py reads the plans)."""

from __future__ import annotations

import pytest
from inbox_support import create, follow, follow_remote, note, start_drivers
from query_plans import traced, whole_table_reads

from fedaid.federation import media_worker

from fakes.remote_instance import start_fake_remote


async def test_a_worker_pass_reads_no_growing_table_whole(make_instance, aiohttp_server, backend, monkeypatch) -> None:
    if backend != "sqlite":
        pytest.skip("PostgreSQL plans by its statistics; this watches SQLite's plans, which have none")
    monkeypatch.setattr(media_worker, "CLEANUP_EVERY", 0.0)  # the once-a-minute sweep of media runs every pass
    drivers = await start_drivers(make_instance)
    fake = await start_fake_remote(aiohttp_server, usernames=("alice",))
    inbox = f"{drivers.base_url}/inbox"
    # Given ana and alice follow each other, and alice sends posts (one mentions ana, one replies to another)
    status, _ = await fake.post_signed(inbox, follow(fake, f"{drivers.base_url}/u/ana"))
    assert status == 202
    await drivers.run_worker_once()
    await follow_remote(drivers, "ana", fake.actor_id("alice"))
    mention = {"type": "Mention", "href": f"{drivers.base_url}/u/ana", "name": "@ana"}
    posts = [note(fake, n, f"<p>Coup de main {n}</p>") for n in range(1, 6)]
    posts[1]["tag"] = [mention]
    posts.append(note(fake, 6, "<p>Réponse</p>", inReplyTo=posts[0]["id"]))
    for post in posts:
        status, _ = await fake.post_signed(inbox, create(fake, post))
        assert status == 202
    # When the worker applies them, then passes once more with nothing to do
    with drivers.db.active():
        statements = await traced(drivers.run_worker_once)
        statements += await traced(drivers.run_worker_once)
        # Then every statement of both passes finds its rows through an index
        assert len(statements) > 20
        assert await whole_table_reads(statements) == {}
