"""Scale-out as deploy/ describes it: nginx in front of two web processes and two workers (each started with its
unit's ExecStart line and the example environment file) on a PostgreSQL cluster of the test's own (initdb on a
free port), under the inbox load of bench/inbox.py (bench/inbox_load.py: the same remote actors, signed
Create(Note) requests and raw HTTP/1.1 sender). The actors follow a member (her Accepts are the deliveries
counted) and she follows them back; then their posts go through nginx at a steady rate while one worker is
killed (SIGKILL, then started again as systemd would), one web process is restarted, and PostgreSQL restarts.
The sender retries a request answered 502, 503 or 504 or whose connection failed, as Mastodon does. Printed:
accepted, applied, delivered, lost (must be 0), applied twice (must be 0) and delivered twice (allowed: delivery
is at least once, receivers de-duplicate by activity id), and the load's figures.

Slow (minutes on a loaded machine), so it runs in a CI step of its own: FEDAID_TEST_SCALE_OUT=1.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import shutil
import signal
import ssl
from collections import Counter

import asyncpg
import httpsig
import pytest

from bench.inbox_load import (
    Pacing,
    Remote,
    Result,
    drive,
    follow_every_actor,
    follows,
    notes,
    remote_actors,
    signed_requests,
)
from fedaid.db import Database
from fedaid.federation.inbox_worker import LEASE

from ops.deployment import DEPLOY, HOST, environment_file, exec_start, nginx_conf, site_for_test, unit_with_this_install
from ops.pgcluster import PrivateCluster, available, make_cluster
from ops.processes import Process, add_member_by_cli, free_port, run_fedaid, wait_http
from testsupport import REPO_ROOT

ACTORS = 50
NOTES = 3000
CONCURRENCY = 30
RATE = 40  # notes/s: the load lasts about 75 s, and each trouble below starts while it runs
KILL_WORKER_AT, RESTART_WEB_AT, RESTART_POSTGRESQL_AT = 10, 25, 45  # seconds into the load
RETRY = Pacing(retry=(502, 503, 504, 599), give_up=300)
INBOX = f"https://{HOST}/inbox"

pytestmark = [
    pytest.mark.skipif(
        os.environ.get("FEDAID_TEST_SCALE_OUT") != "1", reason="its own CI step: FEDAID_TEST_SCALE_OUT=1"
    ),
    pytest.mark.skipif(not available() or shutil.which("nginx") is None, reason="needs initdb and nginx"),
]


async def query(url: str, sql: str) -> list:
    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        return await connection.fetch(sql)
    finally:
        await connection.close()


def verified_accepts(remote: Remote, key_id: str, public_pem: str) -> Counter:
    """Accepts received by the remote actors, signed by `key_id` (checked with httpsig), by the Follow's id."""
    accepts: Counter = Counter()
    for path, headers, body in remote.received:
        activity = json.loads(body)
        if activity.get("type") != "Accept" or key_id not in headers.get("Signature", ""):
            continue
        verifier = httpsig.HeaderVerifier(
            headers, public_pem, required_headers=["(request-target)", "host", "date", "digest"], method="POST",
            path=path, sign_header="signature",
        )  # fmt: skip
        if verifier.verify():
            accepts[activity["object"]["id"]] += 1
    return accepts


async def trouble_during(load: asyncio.Task, webs: list[Process], web_ports: list[int], workers: list[Process],
                         cluster: PrivateCluster) -> None:  # fmt: skip
    """While the load runs: a worker dies (systemd's Restart=on-failure starts it again), an upgrade restarts one
    web process (nginx sends to the other meanwhile), then PostgreSQL restarts."""
    loop = asyncio.get_running_loop()
    started = loop.time()

    async def at(second: float, what: str) -> None:
        await asyncio.sleep(started + second - loop.time())
        assert not load.done(), f"the load ended before {what}: make it longer"
        print(f"{loop.time() - started:5.1f} s into the load: {what}")

    await at(KILL_WORKER_AT, "SIGKILL worker1")
    await asyncio.to_thread(workers[0].stop, signal.SIGKILL)
    workers[0].start()
    await at(RESTART_WEB_AT, "restart web1")
    await asyncio.to_thread(webs[0].stop)
    webs[0].start()
    await wait_http(f"http://127.0.0.1:{web_ports[0]}/healthz", process=webs[0])
    await at(RESTART_POSTGRESQL_AT, "restart PostgreSQL")
    await asyncio.to_thread(cluster.stop)
    await asyncio.sleep(2)
    await asyncio.to_thread(cluster.start)
    assert not load.done(), "the load ended before PostgreSQL was back: make it longer"


async def test_two_webs_two_workers_survive_a_killed_worker_a_restarted_web_and_postgresql(tmp_path):
    cluster = make_cluster()
    nginx_dir, data = tmp_path / "nginx", tmp_path / "data"
    nginx_dir.mkdir()
    (tmp_path / "metrics").mkdir()
    tls_port, http_port, web_ports = free_port(), free_port(), [free_port(), free_port()]
    conf = nginx_conf(nginx_dir, site_for_test(nginx_dir, tls_port, http_port, web_ports, data))
    env = {
        **os.environ,
        **environment_file(DEPLOY / "fedaid.env.example"),
        "PYTHONPATH": str(REPO_ROOT),
        "FEDAID_DATA_DIR": str(data),
        "FEDAID_DATABASE_URL": cluster.url(),
        "FEDAID_ALLOW_HTTP": "true",  # the remote actors are plain http on loopback
        "FEDAID_ALLOW_PRIVATE_ADDRESSES": "true",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    web_unit, worker_unit = (
        unit_with_this_install("fedaid-web@.service"),
        unit_with_this_install("fedaid-worker@.service"),
    )
    webs = [
        Process(f"web{p}", tuple(exec_start(web_unit, str(p))[1:]), env, tmp_path / f"web{p}.log") for p in web_ports
    ]
    workers = [
        Process(f"worker{n}", tuple(exec_start(worker_unit, str(n))[1:]), env, tmp_path / f"worker{n}.log")
        for n in (1, 2)
    ]
    tls = ssl.create_default_context()
    tls.check_hostname, tls.verify_mode = False, ssl.CERT_NONE
    through_nginx = {"connect_to": ("127.0.0.1", tls_port), "tls": tls}
    nginx = None
    try:
        async with remote_actors(ACTORS) as remote:
            migrated = await asyncio.to_thread(run_fedaid, "migrate", env=env)
            assert migrated.returncode == 0, migrated.stderr
            for process in (*webs, *workers):
                process.start()
            for process, port in zip(webs, web_ports, strict=True):
                await wait_http(f"http://127.0.0.1:{port}/healthz", process=process)
            nginx = await asyncio.create_subprocess_exec("nginx", "-c", str(conf), "-g", "daemon off;")
            await add_member_by_cli("ana", env)
            ana = f"https://{HOST}/u/ana"
            ana_key = (await query(cluster.url(), "SELECT key_id, public_key_pem FROM actor WHERE username = 'ana'"))[0]

            # Every actor follows ana (she accepts: the deliveries counted), and she follows them back, so each
            # of their posts is kept, as bench/inbox.py sets it up
            warm_up = signed_requests(remote, INBOX, follows(remote, ana))
            followed = await drive("follows", INBOX, warm_up, 10, pacing=RETRY, **through_nginx)
            db = Database(cluster.url())
            await db.connect()
            await follow_every_actor(db, "ana", remote)
            await db.close()

            activities = notes(remote, f"https://{HOST}", range(NOTES))
            requests = await asyncio.to_thread(signed_requests, remote, INBOX, activities)
            paced = dataclasses.replace(RETRY, rate=RATE)
            load = asyncio.create_task(drive("notes", INBOX, requests, CONCURRENCY, pacing=paced, **through_nginx))
            await trouble_during(load, webs, web_ports, workers, cluster)
            sent: Result = await load

            # Then every accepted post is applied once and every follow accepted, with its Accept delivered
            url = cluster.url()
            posts_sql = "SELECT ap_id FROM post WHERE ap_id LIKE '%/statuses/%'"
            follows_sql = (
                "SELECT COUNT(*) FROM follow JOIN actor ON actor.id = follow.target_id "
                "WHERE actor.username = 'ana' AND actor.is_local AND follow.state = 'accepted'"
            )
            # A batch a worker claimed on a connection the restart broke comes back when its lease ends
            load_ended = asyncio.get_running_loop().time()
            deadline = load_ended + LEASE.total_seconds() + 60
            while True:
                posts = [row["ap_id"] for row in await query(url, posts_sql)]
                accepted_follows = (await query(url, follows_sql))[0][0]
                accepts = verified_accepts(remote, ana_key["key_id"], ana_key["public_key_pem"])
                done = len(set(posts)) >= len(sent.accepted) and len(accepts) >= ACTORS
                if done or asyncio.get_running_loop().time() > deadline:
                    break
                for process in (*webs, *workers):
                    assert process.running, f"{process.name} exited:\n{process.output()[-3000:]}"
                await asyncio.sleep(1)
            drained = asyncio.get_running_loop().time() - load_ended
            crashed = [process.name for process in (*webs, *workers) if not process.running]
    finally:
        if nginx is not None:
            nginx.terminate()
            await nginx.wait()
        for process in (*webs, *workers):
            process.stop()
        cluster.remove()

    sent_posts = {activities[number][1]["id"] for number in sent.accepted}
    applied = {ap_id + "/activity" for ap_id in posts}
    lost = len(sent_posts - applied) + (len(followed.accepted) - accepted_follows)
    applied_twice = len(posts) - len(set(posts))
    delivered_twice = sum(count - 1 for count in accepts.values())
    print(
        f"scale-out: accepted {len(followed.accepted) + len(sent.accepted)} "
        f"(after {followed.retries + sent.retries} retries), applied {len(set(posts)) + accepted_follows}, "
        f"delivered {len(accepts)}, lost {lost}, applied twice {applied_twice}, delivered twice {delivered_twice} "
        f"(receivers de-duplicate by activity id)"
    )
    print(
        f"load (bench/inbox_load.py): {len(requests)} signed Create(Note) from {ACTORS} actors, concurrency "
        f"{CONCURRENCY}, paced at {RATE}/s: {len(sent.accepted)} accepted in {sent.seconds:.0f} s "
        f"({sent.accepted_per_second:.0f} accepted/s), p50 {sent.percentile(0.5):.0f} ms, "
        f"p99 {sent.percentile(0.99):.0f} ms, answers {dict(sorted(sent.statuses.items()))}; "
        f"all applied and delivered {drained:.0f} s after the load"
    )
    assert len(followed.accepted) == ACTORS and len(sent.accepted) == NOTES
    assert set(sent.statuses) <= {202, *RETRY.retry}, sent.statuses
    assert lost == 0 and applied_twice == 0
    assert len(accepts) == ACTORS
    assert not crashed, crashed
    assert "internal error" not in "".join(web.output() for web in webs)  # no 500 answered, outage included
