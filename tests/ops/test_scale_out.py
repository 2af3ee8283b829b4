"""Scale-out as deploy/ describes it: nginx in front of two web processes and two workers (each started with its
unit's ExecStart line and the example environment file) on a PostgreSQL cluster of the test's own (initdb on a
free port). Ten remote accounts follow a member and send her posts through nginx while one worker is killed
(SIGKILL, then started again as systemd would), one web process is restarted, and then PostgreSQL restarts.
Senders retry until answered 202, as Mastodon does. Printed: accepted, applied, delivered, lost (must be 0),
applied twice (must be 0) and delivered twice (allowed: delivery is at least once, receivers de-duplicate by
activity id).

Slow (minutes on a loaded machine), so it runs in a CI step of its own: FEDAID_TEST_SCALE_OUT=1.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import ssl
from collections import Counter

import aiohttp
import asyncpg
import pytest

from fakes.remote_instance import AS, FakeRemoteInstance, start_fake_remote
from ops.deployment import DEPLOY, HOST, environment_file, exec_start, nginx_conf, site_for_test, unit_with_this_install
from ops.pgcluster import available, make_cluster
from ops.processes import Process, free_port, run_fedaid, wait_http
from testsupport import REPO_ROOT

SENDERS = 10
POSTS_EACH = 24
ROUNDS = 3

pytestmark = [
    pytest.mark.skipif(
        os.environ.get("FEDAID_TEST_SCALE_OUT") != "1", reason="its own CI step: FEDAID_TEST_SCALE_OUT=1"
    ),
    pytest.mark.skipif(not available() or shutil.which("nginx") is None, reason="needs initdb and nginx"),
]


def note(fake: FakeRemoteInstance, user: str, number: int, ana: str) -> dict:
    actor = fake.actor_id(user)
    obj = {
        "id": fake.url(f"/users/{user}/statuses/{number}"),
        "type": "Note",
        "attributedTo": actor,
        "content": f"<p>Coup de main {number}</p>",
        "to": [ana],
        "cc": [f"{AS}#Public"],
    }
    return {"@context": AS, "id": f"{obj['id']}/activity", "type": "Create", "actor": actor, "object": obj}


class Sender:
    """POSTs signed activities to the instance through nginx, retrying each until it is answered 202."""

    def __init__(self, fake: FakeRemoteInstance, tls_port: int) -> None:
        self.fake, self.tls_port = fake, tls_port
        self.accepted: list[str] = []
        self.retries = 0
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context))
        self.slots = asyncio.Semaphore(16)

    async def send(self, path: str, activity: dict, user: str) -> None:
        headers, body = self.fake.sign_post(f"https://{HOST}{path}", activity, as_user=user)
        deadline = asyncio.get_running_loop().time() + 180
        async with self.slots:
            while True:
                try:
                    async with self.session.post(
                        f"https://127.0.0.1:{self.tls_port}{path}", data=body, headers=headers
                    ) as answer:
                        if answer.status == 202:
                            self.accepted.append(activity["id"])
                            return
                        assert answer.status in (502, 503, 504), (answer.status, await answer.text())
                except aiohttp.ClientError:
                    pass
                self.retries += 1
                assert asyncio.get_running_loop().time() < deadline, f"{activity['id']} never accepted"
                await asyncio.sleep(0.5)


async def query(url: str, sql: str) -> list:
    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        return await connection.fetch(sql)
    finally:
        await connection.close()


async def test_two_webs_two_workers_survive_a_killed_worker_a_restarted_web_and_postgresql(tmp_path, aiohttp_server):
    cluster = make_cluster()
    fake = await start_fake_remote(aiohttp_server, usernames=tuple(f"u{n}" for n in range(SENDERS)))
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
        "FEDAID_ALLOW_HTTP": "true",  # the fake remote is plain http on loopback
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
    nginx = None
    sender = Sender(fake, tls_port)
    try:
        migrated = await asyncio.to_thread(run_fedaid, "migrate", env=env)
        assert migrated.returncode == 0, migrated.stderr
        for process in (*webs, *workers):
            process.start()
        for process, port in zip(webs, web_ports, strict=True):
            await wait_http(f"http://127.0.0.1:{port}/healthz", process=process)
        nginx = await asyncio.create_subprocess_exec("nginx", "-c", str(conf), "-g", "daemon off;")
        added = await asyncio.to_thread(
            run_fedaid, "member", "add", "ana", "--email", "ana@example.org", "--password-stdin",
            env=env, stdin="a long passphrase\n",
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        ana = f"https://{HOST}/u/ana"
        # The fake cannot fetch https://aid.example.org's keys: it is told ana's, to verify her Accepts
        row = (await query(cluster.url(), "SELECT key_id, public_key_pem FROM actor WHERE username = 'ana'"))[0]
        fake.trust_key(row["key_id"], row["public_key_pem"])

        # Every sender follows ana, then sends its posts in rounds, with trouble between the rounds
        follows = [
            {"@context": AS, "id": fake.url(f"/follows/u{n}"), "type": "Follow", "actor": fake.actor_id(f"u{n}"),
             "object": ana}
            for n in range(SENDERS)
        ]  # fmt: skip
        await asyncio.gather(*(sender.send("/inbox", f, f"u{n}") for n, f in enumerate(follows)))
        per_round = POSTS_EACH // ROUNDS
        for round_number in range(ROUNDS):
            await asyncio.gather(
                *(
                    sender.send("/u/ana/inbox", note(fake, f"u{n}", round_number * per_round + k, ana), f"u{n}")
                    for n in range(SENDERS)
                    for k in range(per_round)
                )
            )
            if round_number == 0:  # a worker dies mid-work; systemd (Restart=on-failure) starts it again
                workers[0].stop(signal.SIGKILL)
                workers[0].start()
            elif round_number == 1:  # an upgrade restarts one web process; nginx sends to the other meanwhile
                webs[0].stop()
                webs[0].start()
                await wait_http(f"http://127.0.0.1:{web_ports[0]}/healthz", process=webs[0])
        await asyncio.to_thread(cluster.stop)
        await asyncio.sleep(2)
        await asyncio.to_thread(cluster.start)

        # Then every accepted post is applied once and every follow accepted, with its Accept delivered
        url = cluster.url()
        posts_sql = "SELECT ap_id FROM post WHERE ap_id LIKE '%/statuses/%'"
        follows_sql = "SELECT COUNT(*) FROM follow WHERE state = 'accepted'"
        deadline = asyncio.get_running_loop().time() + 300
        while True:
            posts = [row["ap_id"] for row in await query(url, posts_sql)]
            accepted_follows = (await query(url, follows_sql))[0][0]
            accepts = Counter(
                seen.activity["object"]["id"]
                for seen in fake.received
                if seen.verified and seen.activity["type"] == "Accept"
            )
            done = len(set(posts)) >= SENDERS * POSTS_EACH and len(accepts) >= SENDERS
            if done or asyncio.get_running_loop().time() > deadline:
                break
            for process in (*webs, *workers):
                assert process.running, f"{process.name} exited:\n{process.output()[-3000:]}"
            await asyncio.sleep(1)
        crashed = [process.name for process in (*webs, *workers) if not process.running]
    finally:
        await sender.session.close()
        if nginx is not None:
            nginx.terminate()
            await nginx.wait()
        for process in (*webs, *workers):
            process.stop()
        cluster.remove()

    sent_posts = {a for a in sender.accepted if "/statuses/" in a}
    applied = {ap_id + "/activity" for ap_id in posts}
    lost = len(sent_posts - applied) + (SENDERS - accepted_follows)
    applied_twice = len(posts) - len(set(posts))
    delivered_twice = sum(count - 1 for count in accepts.values())
    print(
        f"scale-out: accepted {len(sender.accepted)} (after {sender.retries} retries), "
        f"applied {len(set(posts)) + accepted_follows}, delivered {len(accepts)}, lost {lost}, "
        f"applied twice {applied_twice}, delivered twice {delivered_twice} (receivers de-duplicate by activity id)"
    )
    assert len(sender.accepted) == SENDERS * (POSTS_EACH + 1)
    assert lost == 0 and applied_twice == 0
    assert len(accepts) == SENDERS
    assert not crashed, crashed
    assert "internal error" not in "".join(web.output() for web in webs)  # no 500 answered, outage included
