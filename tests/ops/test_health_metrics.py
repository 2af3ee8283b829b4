"""/healthz, /readyz and /metrics on a running instance: real HTTP, a fake Mastodon POSTing to the inbox."""

from __future__ import annotations

import json
import re

import aiohttp
import pytest

from fedaid.db import Database

from fakes.remote_instance import AS, start_fake_remote
from ops.pgcluster import available, make_cluster
from testsupport import start_instance


async def get(url: str, **headers: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as answer:
        return answer.status, await answer.text()


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the exposition `text` (0 when absent); labels in any order."""
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}(?:\{{(.*)\}})? (\S+)", line)
        if match and dict(re.findall(r'(\w+)="([^"]*)"', match.group(1) or "")) == labels:
            return float(match.group(2))
    return 0.0


def create_note(fake, number: int) -> dict:
    actor = fake.actor_id("alice")
    note = {
        "id": fake.url(f"/users/alice/statuses/{number}"),
        "type": "Note",
        "attributedTo": actor,
        "content": "<p>Bonjour</p>",
        "to": [f"{AS}#Public"],
    }
    return {"@context": AS, "id": f"{note['id']}/activity", "type": "Create", "actor": actor, "object": note}


async def test_health_and_readiness_answer_on_a_running_instance(make_instance):
    instance = await make_instance("drivers")
    assert await get(f"{instance.base_url}/healthz") == (200, "ok\n")
    assert await get(f"{instance.base_url}/readyz") == (200, "ready\n")


async def test_metrics_count_inbox_posts_items_applied_and_latency_by_route(make_instance, aiohttp_server):
    # Given an instance scraped once
    instance = await make_instance("drivers")
    fake = await start_fake_remote(aiohttp_server, usernames=("alice",))
    status, before = await get(f"{instance.base_url}/metrics")
    assert status == 200, before

    # When a remote server POSTs a signed post, an unsigned one, and the worker runs
    accepted, _ = await fake.post_signed(f"{instance.base_url}/inbox", create_note(fake, 1))
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{instance.base_url}/inbox",
            data=json.dumps(create_note(fake, 2)),
            headers={"Content-Type": "application/activity+json"},
        ) as answer:
            refused = answer.status
    assert (accepted, refused) == (202, 401)
    _, pending = await get(f"{instance.base_url}/metrics")
    await instance.run_worker_once()
    _, after = await get(f"{instance.base_url}/metrics")

    # Then the counters moved: accepted and refused with its reason, the queue filled then drained, and the
    # inbox's latency is filed under its route pattern
    inbox_accepted = ("fedaid_inbox_requests_total", {"outcome": "accepted", "reason": ""})
    assert (
        sample(after, inbox_accepted[0], **inbox_accepted[1])
        == sample(before, inbox_accepted[0], **inbox_accepted[1]) + 1
    )
    refusals = re.findall(r'fedaid_inbox_requests_total\{outcome="refused",reason="(\w+)"\} (\S+)', after)
    assert refusals and all(reason for reason, _ in refusals)
    assert sample(pending, "fedaid_queue_pending", queue="inbox") == 1
    assert sample(after, "fedaid_queue_pending", queue="inbox") == 0
    assert sample(after, "fedaid_inbox_items_total", type="Create", state="done") == 1
    assert sample(after, "fedaid_http_request_duration_seconds_count", method="POST", route="/inbox", status="202") >= 1
    assert 'route="/metrics"' in after and "/users/alice" not in after.split("fedaid_http", 1)[1]
    for line in (
        "fedaid_deliveries_total",
        "fedaid_jobs_total",
        "fedaid_queue_oldest_due_seconds",
        "fedaid_failing_domains",
    ):
        assert line in after


async def test_metrics_need_loopback_without_a_proxy_or_the_token(make_instance):
    open_instance = await make_instance("drivers")
    assert (await get(f"{open_instance.base_url}/metrics", **{"X-Forwarded-For": "203.0.113.9"}))[0] == 403
    guarded = await make_instance("riders", metrics_token="s3cret-token-for-prometheus")
    assert (await get(f"{guarded.base_url}/metrics"))[0] == 403
    assert (await get(f"{guarded.base_url}/metrics", Authorization="Bearer wrong"))[0] == 403
    status, text = await get(f"{guarded.base_url}/metrics", Authorization="Bearer s3cret-token-for-prometheus")
    assert status == 200 and "fedaid_queue_pending" in text


@pytest.mark.skipif(not available(), reason="PostgreSQL's initdb is not installed")
async def test_readyz_is_503_while_postgresql_is_down_and_200_once_it_is_back(tmp_path):
    # Given an instance on a PostgreSQL cluster of its own
    cluster = make_cluster()
    runner = None
    db = Database(cluster.url())
    try:
        await db.connect()
        await db.migrate()
        instance = await start_instance(db, tmp_path / "data", "drivers")
        runner = instance.runner
        assert (await get(f"{instance.base_url}/readyz"))[0] == 200

        # When the database stops, then starts again
        cluster.stop()
        down_status, down_text = await get(f"{instance.base_url}/readyz")
        alive = await get(f"{instance.base_url}/healthz")
        cluster.start()
        statuses = [(await get(f"{instance.base_url}/readyz"))[0] for _ in range(3)]

        # Then it was not ready while down (though alive), and is ready after
        assert down_status == 503 and "database" in down_text, down_text
        assert alive[0] == 200
        assert statuses[-1] == 200, statuses
    finally:
        if runner is not None:
            await runner.cleanup()
        await db.close()
        cluster.remove()
