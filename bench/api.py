"""Benchmark the client API: home and public timelines and status creation, 50 concurrent clients.

Run: python bench/api.py [--proposals 10000] [--clients 50] [--requests 4000] [--warm-up 1000] [--rounds 1]
     [--processes 1] [--database postgres://…]  (default: a SQLite file in a temporary folder)
Seeds members, follows and proposals with bulk inserts, serves the instance from separate processes, each on
its own port as deploy/fedaid-web@.service does behind nginx, then drives it from this one, sending each request
to the process with the fewest under way as nginx's `least_conn` upstream does (deploy/nginx-fedaid.conf).
Prints p50/p99 latency and requests/s per scenario, and the load average before and after. Figures only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import multiprocessing
import os
import shutil
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402

from fedaid.app import create_app  # noqa: E402
from fedaid.cli.serve import freeze_startup_objects, new_event_loop  # noqa: E402
from fedaid.clock import utcnow  # noqa: E402
from fedaid.config import Settings  # noqa: E402
from fedaid.db import Database  # noqa: E402
from fedaid.domain import oauth  # noqa: E402
from fedaid.domain.categories import ensure_default_categories  # noqa: E402
from fedaid.domain.instance import ensure_instance  # noqa: E402
from fedaid.domain.members import add_member  # noqa: E402
from fedaid.models import Follow, FollowState, Post, PostTag, Proposal, ProposalPurpose, Visibility  # noqa: E402
from fedaid.models.ids import new_id  # noqa: E402

MEMBERS = 50
CATEGORIES = ("transport", "reparation", "informatique", "comptabilite", "design")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def seed(settings: Settings, proposals: int) -> list[str]:
    """Members who all follow one another's first ten, `proposals` proposals; returns a token per member."""
    db = Database(settings.database_url)
    await db.connect()
    await db.migrate()
    with db.active():
        await ensure_instance(settings.base_url, collective_name="Bench", collective_slug="bench")
        await ensure_default_categories()
        members = [
            await add_member(settings.base_url, f"m{n}", email=f"m{n}@bench.example", password="bench password")
            for n in range(MEMBERS)
        ]
        follows = [
            Follow(follower_id=a.actor.id, target_id=b.actor.id, state=FollowState.ACCEPTED, accepted_at=utcnow())
            for a in members
            for b in members[:10]
            if a is not b
        ]
        await Follow.bulk_create(follows, batch_size=500)
        start_ms = int(time.time() * 1000) - proposals * 1000
        posts, tags, rows = [], [], []
        for n in range(proposals):
            author = members[n % MEMBERS].actor
            post_id = new_id(start_ms + n * 1000)
            purpose = ProposalPurpose.OFFER if n % 2 else ProposalPurpose.REQUEST
            category = CATEGORIES[n % len(CATEGORIES)]
            word = "offre" if purpose == ProposalPurpose.OFFER else "demande"
            posts.append(
                Post(
                    id=post_id,
                    ap_id=f"{author.ap_id}/posts/{post_id}",
                    author_id=author.id,
                    is_local=True,
                    content=f"<p>Proposition {n}</p><p>#{word} #{category}</p>",
                    visibility=Visibility.PUBLIC,
                    url=f"{author.ap_id}/posts/{post_id}",
                    published_at=utcnow(),
                    mentions=[],
                    addressed_to=[],
                )
            )
            tags += [PostTag(post_id=post_id, name=word), PostTag(post_id=post_id, name=category)]
            rows.append(
                Proposal(
                    id=post_id,
                    post_id=post_id,
                    purpose=purpose,
                    title=f"Proposition {n}",
                    category=category,
                    hours=Decimal(1 + n % 4),
                    available_hours=Decimal(1 + n % 4),
                    place_name="Lyon" if n % 3 else "",
                )
            )
        await Post.bulk_create(posts, batch_size=500)
        await PostTag.bulk_create(tags, batch_size=500)
        await Proposal.bulk_create(rows, batch_size=500)
        app, secret = await oauth.register_app(
            "bench", ["urn:ietf:wg:oauth:2.0:oob"], "read write", address="127.0.0.1"
        )
        tokens = []
        for member in members:
            request = await oauth.check_authorization_request(app.client_id, None, "read write", "code")
            code = await oauth.grant_code(request, member.account)
            tokens.append((await oauth.exchange_code(app.client_id, secret, code, None)).access_token)
        if not settings.is_sqlite:
            # After a bulk load PostgreSQL plans with no statistics until autovacuum's ANALYZE, a minute later
            # in production (https://www.postgresql.org/docs/current/populate.html#POPULATE-ANALYZE).
            await Post._meta.db.execute_script("ANALYZE")
    await db.close()
    return tokens


def listening_socket(port: int) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(1024)
    return sock


def serve(settings: Settings, sock: socket.socket) -> None:
    """One web process (no worker), as `fedaid serve --no-worker --port N` runs it."""

    async def main() -> None:
        app = create_app(settings, run_worker=False)
        app.on_startup.append(freeze_startup_objects)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        await asyncio.Event().wait()

    with asyncio.Runner(loop_factory=new_event_loop) as event_loop:  # uvloop, as `fedaid serve` uses
        event_loop.run(main())


class LeastBusy:
    """The process with the fewest requests under way, the next in turn among equals: nginx's `least_conn`
    upstream (deploy/nginx-fedaid.conf, https://nginx.org/en/docs/http/ngx_http_upstream_module.html#least_conn)."""

    def __init__(self, base_urls: list[str]) -> None:
        self.busy = dict.fromkeys(base_urls, 0)
        self.turn = itertools.count()

    @contextlib.contextmanager
    def pick(self) -> Iterator[str]:
        fewest = min(self.busy.values())
        idle = [url for url, busy in self.busy.items() if busy == fewest]
        chosen = idle[next(self.turn) % len(idle)]
        self.busy[chosen] += 1
        try:
            yield chosen
        finally:
            self.busy[chosen] -= 1


async def drive(
    name: str,
    base_urls: list[str],
    tokens: list[str],
    clients: int,
    total: int,
    method: str,
    path: str,
    body: dict | None = None,
) -> None:
    latencies: list[float] = []
    errors = 0
    counter = iter(range(total))
    upstream = LeastBusy(base_urls)

    async def client(session: aiohttp.ClientSession, token: str) -> None:
        nonlocal errors
        headers = {"Authorization": f"Bearer {token}"}
        for n in counter:
            data = {key: value.format(n=n) for key, value in (body or {}).items()}
            started = time.perf_counter()
            with upstream.pick() as base_url:
                async with session.request(method, base_url + path, headers=headers, data=data or None) as response:
                    await response.read()
                    if response.status >= 400:
                        errors += 1
            latencies.append(time.perf_counter() - started)

    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as session:
        began = time.perf_counter()
        await asyncio.gather(*(client(session, tokens[n % len(tokens)]) for n in range(clients)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    print(
        f"  {name:<22} {len(latencies):>6} req  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  "
        f"{len(latencies) / elapsed:8.1f} req/s  errors {errors}"
    )


async def run(args: argparse.Namespace) -> None:
    folder = Path(args.folder) if args.folder else Path(tempfile.mkdtemp(prefix="fedaid-api-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    ports = [free_port() for _ in range(args.processes)]
    database_url = args.database or f"sqlite://{folder / 'bench.sqlite3'}"
    settings = Settings(
        data_dir=folder,
        base_url=f"http://127.0.0.1:{ports[0]}",
        database_url=database_url,
        secret_key="bench-secret-0123456789abcdef",
        collective_slug="bench",
        collective_name="Bench",
        log_level="WARNING",
    )
    saved = folder / "tokens.txt"
    if args.folder and saved.exists():  # reuse a database seeded by an earlier run
        tokens = saved.read_text().split()
    else:
        began = time.perf_counter()
        tokens = await seed(settings, args.proposals)
        saved.write_text("\n".join(tokens))
        print(f"seeded {args.proposals} proposals, {MEMBERS} members in {time.perf_counter() - began:.1f} s")
    print(f"database: {'SQLite' if settings.is_sqlite else 'PostgreSQL'}")
    context = multiprocessing.get_context("fork")
    servers = [context.Process(target=serve, args=(settings, listening_socket(port)), daemon=True) for port in ports]
    for server in servers:
        server.start()
    try:
        await asyncio.sleep(1.5)
        print(
            f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}  "
            f"({os.cpu_count()} CPUs, {args.processes} server process(es), {args.clients} clients)"
        )
        base = [f"http://127.0.0.1:{port}" for port in ports]
        for name, path in (
            ("home timeline", "/api/v1/timelines/home"),
            ("public timeline", "/api/v1/timelines/public"),
        ):
            # Each process's first look at a timeline renders every status; measure once caches are warm.
            await drive(f"{name} (warm-up)", base, tokens, args.clients, args.warm_up, "GET", path)
            for _ in range(args.rounds):  # steady, or tails that come back (caches lapsing, collections)?
                await drive(name, base, tokens, args.clients, args.requests, "GET", path)
        await drive(
            "status creation",
            base,
            tokens,
            args.clients,
            args.requests // 4,
            "POST",
            "/api/v1/statuses",
            {"status": "Bench status {n}"},
        )
        print(f"load average after:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        for server in servers:
            server.terminate()
        if not args.folder:
            shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--warm-up", type=int, default=1000, help="unmeasured requests before each timeline")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=1, help="measured runs of each timeline after its warm-up")
    parser.add_argument("--database", default="", help="a postgres:// URL (default: SQLite in the folder)")
    parser.add_argument("--folder", default="", help="keep the seeded database here and reuse it next time")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
