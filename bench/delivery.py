"""Delivery throughput: queued rows → signed POSTs → 100 loopback inboxes, next to the raw RSA signing rate.

    .venv/bin/python bench/delivery.py [--postgres [--workers 2]] [--deliveries 8000] [--signing-threads 2]
                                       [--loop uvloop|asyncio]

Prints figures, never pass/fail. The worker runs in this process, through `run_forever`: its rate
includes claiming, signing, POSTing and recording outcomes in the database (an SQLite file by
default; with --postgres a scratch database next to FEDAID_TEST_POSTGRES_URL, dropped afterwards).
The receivers run in a separate process (several low-level aiohttp servers on 127.0.0.1) and check every
signature and digest with fedaid's own verify (parsed key cached), which costs them far less than
httpsig would. They share this machine's CPUs with the worker (and the PostgreSQL server, with
--postgres), and so does anything else running: the CPU line says how much each used, since a busy
machine lowers every figure. "per CPU second" compares the worker's CPU cost per delivery with the
CPU cost of one raw signature, a figure that other load disturbs much less than the wall clock;
"worker threads" splits that cost between the event loop and the signing threads.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import logging
import os
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scratch import admin_connection, scratch_database  # noqa: E402

from fedaid.config import Settings  # noqa: E402
from fedaid.db import Database  # noqa: E402
from fedaid.domain.publish import publish  # noqa: E402
from fedaid.errors import SignatureError  # noqa: E402
from fedaid.federation.delivery import DeliveryWorker  # noqa: E402
from fedaid.federation.signatures import load_private_key, read_signature, verify_signature  # noqa: E402
from fedaid.keys import generate_key_pair  # noqa: E402
from fedaid.models import Actor, ActorType, Delivery, DeliveryState  # noqa: E402

INBOXES = 100
SERVERS = 5
NOTE = "x" * 700  # with the envelope, a payload of about 1 KB, like a typical Create(Note)


# --- receivers (their own process: `delivery.py --receivers <public key file>`) ----------------


async def serve_receivers(public_key_file: str) -> None:
    """SERVERS aiohttp servers: prints their ports, counts verified POSTs, reports when stdin closes.

    aiohttp's low-level server (no application, router or middlewares): the receivers stand for other
    machines, so the less of this machine's CPU they take from the worker, the truer its figure.
    """
    public_pem = Path(public_key_file).read_text()
    counts = {"ok": 0, "bad": 0}
    cpu_at_start = own_cpu_seconds()

    async def receive(request: web.BaseRequest) -> web.Response:
        body = await request.read()
        try:
            url = f"http://{request.host}{request.raw_path}"
            verify_signature(read_signature("POST", url, request.headers, body), public_pem)
        except SignatureError:
            counts["bad"] += 1
            return web.Response(status=401)
        counts["ok"] += 1
        return web.Response(status=202)

    runner = web.ServerRunner(web.Server(receive, access_log=None))
    await runner.setup()
    ports = []
    for _ in range(SERVERS):
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        ports.append(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
    print(json.dumps(ports), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the parent closes stdin
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({**counts, "cpu_s": own_cpu_seconds() - cpu_at_start, "peak_rss_mb": peak_rss_mb}), flush=True)
    await runner.cleanup()


# --- more workers (their own processes: `delivery.py --worker-process <database url>`) -----------


def make_worker(args: argparse.Namespace) -> DeliveryWorker:
    return DeliveryWorker(
        "fedaid-bench",
        True,
        allow_http=True,
        concurrency=args.concurrency,
        per_host_concurrency=args.per_host,
        batch_size=args.batch_size,
        signing_threads=args.signing_threads,
    )


async def serve_worker(args: argparse.Namespace) -> None:
    """One more worker on the same queue: starts at the `go` line, stops when stdin closes, reports its CPU."""
    db = Database(args.worker_process)
    await db.connect()
    try:
        with db.active():
            async with make_worker(args) as worker:
                print("ready", flush=True)
                read_line = asyncio.get_running_loop().run_in_executor
                await read_line(None, sys.stdin.readline)
                cpu = own_cpu_seconds()
                stop = asyncio.Event()
                running = asyncio.create_task(worker.run_forever(stop, idle_sleep=0.05))
                await read_line(None, sys.stdin.read)
                stop.set()
                await running
                cpu = own_cpu_seconds() - cpu
    finally:
        await db.close()
    print(json.dumps({"cpu_s": cpu}), flush=True)


async def start_workers(args: argparse.Namespace, database_url: str) -> list[asyncio.subprocess.Process]:
    """`--workers` minus one worker processes, connected and waiting for `go`."""
    options = [
        "--concurrency",
        str(args.concurrency),
        "--per-host",
        str(args.per_host),
        "--batch-size",
        str(args.batch_size),
        "--signing-threads",
        str(args.signing_threads),
        "--loop",
        args.loop,
    ]
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--worker-process",
            database_url,
            *options,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        for _ in range(args.workers - 1)
    ]
    for worker in workers:
        assert (await worker.stdout.readline()).strip() == b"ready"  # type: ignore[union-attr]
    return workers


async def stop_workers(workers: list[asyncio.subprocess.Process]) -> float:
    """Close their stdin and add up the CPU seconds they report using while delivering."""
    cpu = 0.0
    for worker in workers:
        worker.stdin.close()  # type: ignore[union-attr]
    for worker in workers:
        cpu += json.loads(await worker.stdout.readline())["cpu_s"]  # type: ignore[union-attr]
        await worker.wait()
    return cpu


# --- measurements ------------------------------------------------------------------------------


@dataclass
class SigningRate:
    """Raw signing measured twice: per wall-clock second and per second of this process's CPU."""

    per_second: float
    per_cpu_second: float


def raw_signing_rate(private_pem: str, body: bytes, seconds: float = 2.0) -> SigningRate:
    """RSA-2048 PKCS#1 v1.5 SHA-256 signatures with `cryptography`, in one thread."""
    key, pad, sha = load_private_key(private_pem), padding.PKCS1v15(), hashes.SHA256()
    count, started, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - started < seconds:
        for _ in range(50):
            key.sign(body, pad, sha)
        count += 50
    return SigningRate(count / (time.perf_counter() - started), count / (time.process_time() - cpu))


class Latencies(logging.Handler):
    """Each delivery's sign + POST + answer time, from the worker's structured DEBUG log."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.ms: list[float] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg == "delivered":
            self.ms.append(record.duration_ms)  # type: ignore[attr-defined]

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.ms)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def machine_busy_seconds() -> float:
    """CPU seconds all processes have used since boot (user, nice, system, irq, softirq)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq = (int(value) for value in fields[:7])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def thread_cpu_seconds() -> tuple[float, float]:
    """CPU seconds of this process's main thread (the event loop) and of its other threads (signing, SQLite)."""
    main = others = 0
    for task in Path("/proc/self/task").iterdir():
        try:
            fields = (task / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue  # a thread that just ended
        ticks = int(fields[11]) + int(fields[12])  # utime, stime
        if task.name == str(os.getpid()):
            main += ticks
        else:
            others += ticks
    return main / os.sysconf("SC_CLK_TCK"), others / os.sysconf("SC_CLK_TCK")


async def database_cpu_seconds(database: str | None) -> float:
    """CPU seconds used so far by the PostgreSQL backends serving `database` (0 for SQLite, in-process)."""
    if database is None:
        return 0.0
    async with admin_connection() as admin:
        pids = [
            row["pid"]
            for row in await admin.fetch(
                "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", database
            )
        ]
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue  # a server on another machine, or a backend that just ended
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    """What one timed delivery run measured."""

    delivered: int
    seconds: float
    worker_cpu: float
    loop_thread_cpu: float  # this process's worker only: its event loop thread
    other_threads_cpu: float  # and its other threads
    database_cpu: float
    machine_cpu: float
    latencies: Latencies


# --- the run -----------------------------------------------------------------------------------


async def queue_deliveries(ports: list[int], private_pem: str, public_pem: str, activities: int) -> float:
    """One local sender and INBOXES remote actors across the servers; returns the publish() time."""
    sender = await Actor.create(
        ap_id="https://aid.example/u/bench",
        type=ActorType.PERSON,
        username="bench",
        domain="aid.example",
        is_local=True,
        inbox="https://aid.example/u/bench/inbox",
        key_id="https://aid.example/u/bench#main-key",
        public_key_pem=public_pem,
        private_key_pem=private_pem,
    )
    hosts = [f"127.0.0.1:{ports[n % len(ports)]}" for n in range(INBOXES)]
    await Actor.bulk_create(
        [
            Actor(
                ap_id=f"http://{host}/users/r{n}",
                type=ActorType.PERSON,
                username=f"r{n}",
                domain=host,
                inbox=f"http://{host}/users/r{n}/inbox",
            )
            for n, host in enumerate(hosts)
        ]
    )
    recipients = await Actor.filter(is_local=False)
    started = time.perf_counter()
    for number in range(activities):
        activity = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "type": "Create",
            "id": f"{sender.ap_id}/activities/{number}",
            "actor": sender.ap_id,
            "object": {"type": "Note", "content": NOTE},
        }
        await publish(activity, sender=sender, to=recipients)
    return time.perf_counter() - started


async def deliver_everything(args: argparse.Namespace, database_url: str, scratch_name: str | None) -> Run:
    """Run workers (run_forever, as in production; all but one in other processes) until no row is pending."""
    latencies = Latencies()
    logger = logging.getLogger("fedaid.delivery")
    logger.addHandler(latencies)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    others = await start_workers(args, database_url)
    async with make_worker(args) as worker:
        stop = asyncio.Event()
        database = await database_cpu_seconds(scratch_name)
        threads = thread_cpu_seconds()
        cpu, machine, started = own_cpu_seconds(), machine_busy_seconds(), time.perf_counter()
        for other in others:
            other.stdin.write(b"go\n")  # type: ignore[union-attr]
        running = asyncio.create_task(worker.run_forever(stop, idle_sleep=0.05))
        while await Delivery.filter(state=DeliveryState.PENDING).exists():
            await asyncio.sleep(0.05)
        seconds = time.perf_counter() - started
        cpu, machine = own_cpu_seconds() - cpu, machine_busy_seconds() - machine
        threads = tuple(after - before for after, before in zip(thread_cpu_seconds(), threads, strict=True))
        database = await database_cpu_seconds(scratch_name) - database
        stop.set()
        await running
    cpu += await stop_workers(others)
    delivered = await Delivery.filter(state=DeliveryState.DONE).count()
    return Run(delivered, seconds, cpu, *threads, database, machine, latencies)


async def bench(
    args: argparse.Namespace,
    ports: list[int],
    receivers: asyncio.subprocess.Process,
    private_pem: str,
    public_pem: str,
    database_url: str,
    scratch_name: str | None,
) -> None:
    activities = args.deliveries // INBOXES
    queued_in = await queue_deliveries(ports, private_pem, public_pem, activities)
    body = (await Delivery.first()).payload.encode()  # type: ignore[union-attr]
    sign_before = raw_signing_rate(private_pem, body)
    run = await deliver_everything(args, database_url, scratch_name)
    receivers.stdin.close()  # type: ignore[union-attr]
    received = json.loads(await receivers.stdout.readline())  # type: ignore[union-attr]
    await receivers.wait()
    sign_after = raw_signing_rate(private_pem, body)
    report(args, run, received, queued_in, (sign_before, sign_after), activities)


def report(
    args: argparse.Namespace,
    run: Run,
    received: dict,
    queued_in: float,
    sign_rates: tuple[SigningRate, SigningRate],
    activities: int,
) -> None:
    sign_rate = sum(rate.per_second for rate in sign_rates) / 2
    sign_rate_cpu = sum(rate.per_cpu_second for rate in sign_rates) / 2
    rate = run.delivered / run.seconds
    per_cpu_second = run.delivered / run.worker_cpu
    others = max(0.0, run.machine_cpu - run.worker_cpu - received["cpu_s"] - run.database_cpu)
    print(f"backend                 {'PostgreSQL' if args.postgres else 'SQLite file (WAL)'}")
    print(
        f"deliveries              {run.delivered} done of {activities * INBOXES} queued "
        f"({activities} activities x {INBOXES} inboxes on {SERVERS} servers)"
    )
    print(
        f"receivers               verified {received['ok']}, rejected {received['bad']} (fedaid verify, cached "
        f"key, in another process; {received['cpu_s'] / run.delivered * 1000:.2f} ms CPU each)"
    )
    print(f"queueing                {activities * INBOXES / queued_in:,.0f} rows/s through publish()")
    print(
        f"delivery rate           {rate:,.0f} deliveries/s ({run.seconds:.2f} s; concurrency {args.concurrency}, "
        f"per host {args.per_host}, batch {args.batch_size}, signing threads {args.signing_threads}, {args.loop}, "
        f"{args.workers} worker process{'es' if args.workers > 1 else ''})"
    )
    print(
        f"raw RSA-2048 signing    {sign_rate:,.0f} signatures/s (cryptography, one thread; "
        f"{sign_rates[0].per_second:,.0f} before the run, {sign_rates[1].per_second:,.0f} after)"
    )
    print(f"ratio                   {rate / sign_rate:.2f} of raw signing (target >= 0.6)")
    print(
        f"per CPU second          {per_cpu_second:,.0f} deliveries per worker CPU second "
        f"({run.worker_cpu / run.delivered * 1000:.2f} ms each) vs {sign_rate_cpu:,.0f} signatures: "
        f"{per_cpu_second / sign_rate_cpu:.2f}"
    )
    in_process = max(1, len(run.latencies.ms))  # what this process's worker delivered
    print(
        f"worker threads          event loop {run.loop_thread_cpu / in_process * 1000:.2f} ms CPU per delivery, "
        f"other threads (signing, SQLite) {run.other_threads_cpu / in_process * 1000:.2f} ms; one raw signature "
        f"{1000 / sign_rate_cpu:.2f} ms (the loop bounds the rate when it costs more than a signature)"
    )
    print(
        f"CPU use during the run  worker {run.worker_cpu / run.seconds:.0%}, receivers "
        f"{received['cpu_s'] / run.seconds:.0%}, database server {run.database_cpu / run.seconds:.0%}, "
        f"other processes {others / run.seconds:.0%} (100% = one CPU; {os.cpu_count()} CPUs)"
    )
    print(
        f"latency per delivery    p50 {run.latencies.percentile(0.5):.1f} ms, "
        f"p99 {run.latencies.percentile(0.99):.1f} ms (sign + POST + answer, as the worker logs it)"
    )
    print(
        f"peak RSS                worker {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB, "
        f"receivers {received['peak_rss_mb']:.0f} MB"
    )


async def main(args: argparse.Namespace) -> None:
    private_pem, public_pem = generate_key_pair()
    with tempfile.TemporaryDirectory() as folder:
        key_file = Path(folder) / "public.pem"
        key_file.write_text(public_pem)
        receivers = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--receivers",
            str(key_file),
            "--loop",
            args.loop,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert receivers.stdout is not None
        ports = json.loads(await receivers.stdout.readline())
        try:
            async with scratch_database(args.postgres, folder, "fedaid_bench") as (database_url, scratch_name):
                db = Database(database_url)
                await db.connect()
                try:
                    await db.migrate()
                    with db.active():
                        await bench(args, ports, receivers, private_pem, public_pem, db.url, scratch_name)
                finally:
                    await db.close()
        finally:
            if receivers.returncode is None:
                receivers.kill()
                await receivers.wait()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="use a scratch PostgreSQL database")
    parser.add_argument("--deliveries", type=int, default=8000)
    parser.add_argument("--concurrency", type=int, default=Settings.worker_concurrency)
    parser.add_argument("--per-host", type=int, default=Settings.per_host_concurrency)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--signing-threads", type=int, default=Settings.signing_threads)
    parser.add_argument(
        "--loop", choices=("asyncio", "uvloop"), help="the worker's event loop (default: uvloop when installed)"
    )
    parser.add_argument("--workers", type=int, default=1, help="worker processes sharing the queue")
    parser.add_argument("--worker-process", metavar="DATABASE_URL", help=argparse.SUPPRESS)
    parser.add_argument("--receivers", metavar="PUBLIC_KEY_FILE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.workers > 1 and not args.postgres:
        parser.error("several worker processes share a queue only on PostgreSQL (SQLite answers 'database is locked')")
    args.loop = args.loop or ("uvloop" if importlib.util.find_spec("uvloop") else "asyncio")
    return args


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.receivers:
        run = serve_receivers(arguments.receivers)
    elif arguments.worker_process:
        run = serve_worker(arguments)
    else:
        run = main(arguments)
    if arguments.loop == "uvloop":
        import uvloop

        uvloop.run(run)
    else:
        asyncio.run(run)
