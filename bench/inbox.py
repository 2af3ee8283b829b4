"""Inbox throughput: signed Create(Note) POSTs from 100 remote actors, next to a bare verify-only handler.

    .venv/bin/python bench/inbox.py [--postgres] [--rounds 5] [--requests 4000] [--concurrency 50]
                                    [--worker-during-load] [--workers 1]

Prints figures, never pass/fail. Two servers run, each in its own process on 127.0.0.1, and take the
same kind of load from this process in alternating rounds (requests signed beforehand, so signing
costs nothing during the run); the ratio quoted is the median of the rounds' ratios, since a shared
machine's speed drifts by a factor of two within a minute:

  ceiling  a bare aiohttp handler that reads the body and verifies its signature (digest, date window,
           RSA with the key already parsed): the least any inbox must do.
  fedaid   the real instance (`create_app`): content type, JSON and depth caps, domain policy,
           signature (keys cached by RemoteActors), origin checks, de-duplication, an InboxItem row.

Then `--workers` worker processes start and apply every item (each Create(Note) becomes a Post, since a
member follows all 100 actors): "applied" says how long that took after the last 202, the processes'
start-up included, and "drained" the rate from the first batch applied to the last, by the items'
`processed_at` (the figure compared with accepted/s, and between one and two workers). With
--worker-during-load the worker runs inside the fedaid process while the load runs, as `fedaid serve`
does by default.
Keys are fetched during a warm-up (one Follow per actor), as they would be on a running instance.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inbox_load import (  # noqa: E402
    ACTORS,
    Remote,
    Result,
    drive,
    follow_every_actor,
    follows,
    notes,
    remote_actors,
    signed_requests,
)
from scratch import scratch_database  # noqa: E402

from fedaid.cli.serve import freeze_startup_objects, new_event_loop  # noqa: E402
from fedaid.config import Settings  # noqa: E402
from fedaid.db import Database  # noqa: E402
from fedaid.federation.signatures import read_signature, verify_signature  # noqa: E402

# --- the two servers, each in its own process ------------------------------------------------------


def run_ceiling(port_queue: Any, public_keys: dict[str, str]) -> None:
    """The least an inbox does: read the body, check digest, date and RSA signature (key already parsed)."""

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        signed = read_signature("POST", f"http://{request.host}{request.raw_path}", request.headers, body)
        verify_signature(signed, public_keys[signed.key_id])
        return web.Response(status=202)

    async def main() -> None:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post("/inbox", handle)
        await _serve(app, port_queue)

    with asyncio.Runner(loop_factory=new_event_loop) as event_loop:  # the same loop as fedaid's below
        event_loop.run(main())


def run_fedaid(port_queue: Any, database_url: str, data_dir: str, port: int, run_worker: bool) -> None:
    """A whole fedaid instance (its own worker only with `run_worker`)."""
    from fedaid.app import create_app

    logging.basicConfig(level=logging.WARNING)
    settings = Settings(
        base_url=f"http://127.0.0.1:{port}",
        database_url=database_url,
        data_dir=Path(data_dir),
        secret_key="bench-secret-0123456789abcdef0123",
        collective_slug="drivers",
        allow_private_addresses=True,
        allow_http=True,
        log_level="WARNING",
    )

    async def main() -> None:
        app = create_app(settings, run_worker=run_worker)
        app.on_startup.append(freeze_startup_objects)  # as `fedaid serve` runs it
        await _serve(app, port_queue, port=port)

    profile_to = os.environ.get("FEDAID_BENCH_PROFILE")
    if not profile_to or run_worker:
        with asyncio.Runner(loop_factory=new_event_loop) as event_loop:
            event_loop.run(main())
        return
    import cProfile
    import signal

    profiler = cProfile.Profile()
    signal.signal(signal.SIGTERM, lambda *_: (profiler.disable(), profiler.dump_stats(profile_to), os._exit(0)))
    profiler.enable()
    asyncio.run(main())


async def _serve(app: web.Application, port_queue: Any, port: int = 0) -> None:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, backlog=1024)
    await site.start()
    port_queue.put(site._server.sockets[0].getsockname()[1])  # noqa: SLF001 - the port chosen by the OS
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def start_process(target: Any, *args: Any) -> tuple[multiprocessing.Process, int]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(queue, *args), daemon=True)
    process.start()
    return process, queue.get(timeout=60)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def machine_busy() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine so far, from /proc/stat (Linux)."""
    ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle and iowait
    return sum(ticks) - idle, sum(ticks)


def machine_busy_since(before: tuple[int, int]) -> float:
    """The share of every core's time spent busy since `before` (0-1)."""
    busy, total = machine_busy()
    return (busy - before[0]) / max(1, total - before[1])


def peak_rss_of(pid: int | None) -> float | None:
    """The highest resident set size of another process so far, in MB (Linux's VmHWM)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except (OSError, TypeError):
        return None
    return next((int(line.split()[1]) / 1024 for line in lines if line.startswith("VmHWM:")), None)


# --- the fedaid side: warm-up, follows, and waiting for the worker ----------------------------------


async def warm_up(remote: Remote, base_url: str) -> None:
    """One Follow of the collective per actor: our instance fetches and caches every key."""
    inbox = f"{base_url}/inbox"
    requests = signed_requests(remote, inbox, follows(remote, f"{base_url}/c/drivers"))
    result = await drive("warm-up", inbox, requests, 10)
    if result.statuses != {202: ACTORS}:
        raise SystemExit(f"warm-up failed: {result.statuses}")


async def member_follows_everyone(db: Database, base_url: str, remote: Remote) -> None:
    """A member who follows all the remote actors, so every Create(Note) is kept as a Post."""
    from fedaid.domain.members import add_member

    with db.active():
        await add_member(base_url, "ana", email="ana@example.org", password="bench passphrase")
    await follow_every_actor(db, "ana", remote)


async def any_item(db: Database, state: str) -> bool:
    """Whether an inbox item is in `state` (one index lookup: a COUNT(*) of 20,000 rows every 50 ms would
    take the workers' CPU)."""
    from fedaid.models import InboxItem

    with db.active():
        return await InboxItem.filter(state=state).exists()


async def wait_until_applied(db: Database, timeout: float = 600) -> float:
    started = time.perf_counter()
    while await any_item(db, "pending"):
        if time.perf_counter() - started > timeout:
            raise SystemExit("the worker did not apply every item in time")
        await asyncio.sleep(0.05)
    return time.perf_counter() - started


async def wait_until_first_applied(db: Database, timeout: float = 60) -> None:
    """Until a worker has applied its first batch: from then on, the queue drains."""
    started = time.perf_counter()
    while not await any_item(db, "done"):
        if time.perf_counter() - started > timeout:
            raise SystemExit("no worker applied anything: is the worker running?")
        await asyncio.sleep(0.01)


@dataclass(frozen=True)
class Drain:
    """How the workers drained the queue, by the times they marked items done (`processed_at`): from the
    first batch's commit to the last's, so the workers' start-up is left out; the first batch's items are
    not counted, having been applied before that span began."""

    items: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.items / self.seconds


async def drain_of(db: Database) -> Drain:
    from fedaid.models import InboxItem

    with db.active():
        done = InboxItem.filter(state="done")
        first = (await done.order_by("processed_at").first().values("processed_at"))["processed_at"]
        last = (await done.order_by("-processed_at").first().values("processed_at"))["processed_at"]
        items = await done.filter(processed_at__gt=first).count()
    return Drain(items, (last - first).total_seconds())


async def count_posts(db: Database) -> int:
    from fedaid.models import Post

    with db.active():
        return await Post.filter(is_local=False).count()


# --- main -----------------------------------------------------------------------------------------


async def main(args: argparse.Namespace) -> None:
    print(f"generating {ACTORS} RSA-2048 key pairs...", file=sys.stderr)
    folder = tempfile.mkdtemp(prefix="fedaid-bench-inbox-")
    ceiling_rounds: list[Result] = []
    fedaid_rounds: list[Result] = []
    async with (
        remote_actors(ACTORS) as remote,
        scratch_database(args.postgres, folder, "fedaid_bench_inbox") as (database_url, _),
    ):
        public_keys = {remote.key_id(n): remote.keys[n][1] for n in range(ACTORS)}
        ceiling, ceiling_port = start_process(run_ceiling, public_keys)
        ceiling_inbox = f"http://127.0.0.1:{ceiling_port}/inbox"
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        server, _ = start_process(run_fedaid, database_url, folder, port, args.worker_during_load)
        db = Database(database_url)
        await db.connect()
        await warm_up(remote, base_url)
        await member_follows_everyone(db, base_url, remote)
        if args.worker_during_load:
            await wait_until_applied(db)  # the warm-up's Follows, so the timed run starts idle

        print("signing requests...", file=sys.stderr)
        # The ceiling keeps no state, so one set serves every round; fedaid stores each activity once,
        # so each of its rounds has its own.
        ceiling_load = signed_requests(remote, ceiling_inbox, notes(remote, ceiling_inbox, range(args.requests)))
        fedaid_inbox = f"{base_url}/inbox"
        fedaid_loads = [
            signed_requests(
                remote, fedaid_inbox, notes(remote, base_url, range(r * args.requests, (r + 1) * args.requests))
            )
            for r in range(args.rounds)
        ]
        await drive("warm-up", ceiling_inbox, ceiling_load[:200], args.concurrency)

        # Rounds alternate which server goes first, so drift in the machine's speed hits both alike.
        for number, fedaid_load in enumerate(fedaid_loads, 1):
            runs = [
                ("ceiling", ceiling_inbox, ceiling_load, ceiling.pid, ceiling_rounds),
                ("fedaid", fedaid_inbox, fedaid_load, server.pid, fedaid_rounds),
            ]
            for name, inbox, load, pid, results in runs if number % 2 else runs[::-1]:
                results.append(await drive(name, inbox, load, args.concurrency, pid))
            ratio = fedaid_rounds[-1].accepted_per_second / ceiling_rounds[-1].accepted_per_second
            print(
                f"round {number}/{args.rounds}: ceiling {ceiling_rounds[-1].summary()}; "
                f"fedaid {fedaid_rounds[-1].summary()}; ratio {ratio:.2f}",
                file=sys.stderr,
            )
        ceiling.terminate()

        busy, drain = None, None
        if args.worker_during_load:
            applied_after = await wait_until_applied(db)
        else:
            started = time.perf_counter()
            workers = [start_process(run_fedaid, database_url, folder, free_port(), True)[0]]
            for _ in range(args.workers - 1):
                workers.append(start_process(run_fedaid, database_url, folder, free_port(), True)[0])
            await wait_until_first_applied(db)
            busy_before = machine_busy()
            await wait_until_applied(db)
            busy = machine_busy_since(busy_before)
            applied_after = time.perf_counter() - started
            for worker in workers:
                worker.terminate()
            drain = await drain_of(db)
        posts = await count_posts(db)
        peak_rss_mb = peak_rss_of(server.pid)
        server.terminate()
        await db.close()

    report(args, ceiling_rounds, fedaid_rounds, applied_after, posts, busy, drain)
    if peak_rss_mb is not None:
        print(f"fedaid inbox process: peak RSS {peak_rss_mb:.0f} MB")


def combined(name: str, rounds: list[Result]) -> Result:
    """All rounds of one server as one result (CPU only when every round measured it)."""
    statuses: dict[int, int] = {}
    for result in rounds:
        for status, count in result.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
    cpu = [result.cpu_seconds for result in rounds]
    return Result(
        name,
        sum(result.seconds for result in rounds),
        [latency for result in rounds for latency in result.latencies],
        statuses,
        None if None in cpu else sum(cpu),
    )


def report(
    args: argparse.Namespace,
    ceiling_rounds: list[Result],
    fedaid_rounds: list[Result],
    applied_after: float,
    posts: int,
    busy: float | None,
    drain: Drain | None,
) -> None:
    backend = "PostgreSQL" if args.postgres else "SQLite file"
    where = (
        "inside the fedaid process, during the load"
        if args.worker_during_load
        else f"{args.workers} worker process{'es' if args.workers > 1 else ''}, after the load"
    )
    print(
        f"\n{args.rounds} rounds of {args.requests} signed Create(Note) per server from {ACTORS} actors, "
        f"concurrency {args.concurrency}, {backend}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f} (other work skews the figures)"
    )
    print(f"{'':<22}{'requests':>9}{'accepted/s':>12}{'p50 ms':>9}{'p99 ms':>9}{'5xx':>6}{'other':>7}")
    results = [combined("ceiling (verify only)", ceiling_rounds), combined("fedaid inbox", fedaid_rounds)]
    for result in results:
        print(result.line())
    ratios = [f.accepted_per_second / c.accepted_per_second for c, f in zip(ceiling_rounds, fedaid_rounds, strict=True)]
    print(
        f"fedaid / ceiling per round: {' '.join(f'{r:.2f}' for r in ratios)}; "
        f"median {statistics.median(ratios):.2f} (target ≥ 0.5)"
    )
    for result in results:
        if result.cpu_per_request is not None:
            print(f"  {result.name}: {result.cpu_per_request * 1e6:.0f} µs of server CPU per accepted request")
    if drain is None:
        print(
            f"worker ({where}): all {posts} posts applied {applied_after:.2f} s after the last 202 "
            f"({posts / applied_after:.0f} posts/s)"
        )
        return
    print(
        f"worker ({where}): all {posts} posts applied {applied_after:.2f} s after the last 202, start-up included;"
        f" the queue drained at {drain.per_second:.0f} items/s ({drain.items} items in {drain.seconds:.2f} s"
        f" from the first batch applied to the last); every core {busy:.0%} busy meanwhile"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--requests",
        type=int,
        default=4000,  # a round of ~1 s: shorter ones catch single bursts
        help="requests per server and round",
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1, help="worker processes that drain the queue afterwards")
    parser.add_argument("--postgres", action="store_true", help="a scratch PostgreSQL database instead of SQLite")
    parser.add_argument(
        "--worker-during-load",
        action="store_true",
        help="run the inbox worker inside the fedaid process while the load runs",
    )
    resource.setrlimit(resource.RLIMIT_NOFILE, (4096, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
    with asyncio.Runner(loop_factory=new_event_loop) as event_loop:  # the load too runs on uvloop
        event_loop.run(main(parser.parse_args()))
