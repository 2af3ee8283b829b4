"""The inbox load of bench/inbox.py, importable: remote actors with RSA keys served on 127.0.0.1, signed
Create(Note) and Follow requests prepared beforehand, and a sender that POSTs them as raw HTTP/1.1 over a set
number of keep-alive connections. tests/ops/test_scale_out.py drives its inbox with the same machinery.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import ssl
import statistics
import time
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

from fedaid.db import Database
from fedaid.federation.signatures import sign_request
from fedaid.keys import generate_key_pair

ACTORS = 100
AP = "application/activity+json"
AS = "https://www.w3.org/ns/activitystreams"
TEXT = (
    "<p>OFFRE · Jardinage · 2 h · Lyon ou à distance</p><p>Je peux aider à tailler des haies, "
    "désherber et planter ce printemps. Écrivez-moi !</p><p>#offre #jardinage</p>"
)


# --- the remote actors: a key server on 127.0.0.1 -------------------------------------------------


@dataclass
class Remote:
    base_url: str
    keys: list[tuple[str, str]]  # (private PEM, public PEM) per actor
    received: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)  # (path, headers, body) POSTed

    def actor_id(self, number: int) -> str:
        return f"{self.base_url}/users/u{number}"

    def key_id(self, number: int) -> str:
        return f"{self.actor_id(number)}#main-key"


def remote_app(remote: Remote) -> web.Application:
    """Serves each actor and its WebFinger, as Mastodon would, and keeps what is POSTed to any inbox."""

    async def actor(request: web.Request) -> web.Response:
        number = int(request.match_info["n"])
        ap_id = remote.actor_id(number)
        doc = {
            "@context": [AS, "https://w3id.org/security/v1"],
            "id": ap_id,
            "type": "Person",
            "preferredUsername": f"u{number}",
            "inbox": f"{ap_id}/inbox",
            "outbox": f"{ap_id}/outbox",
            "followers": f"{ap_id}/followers",
            "endpoints": {"sharedInbox": f"{remote.base_url}/inbox"},
            "publicKey": {"id": remote.key_id(number), "owner": ap_id, "publicKeyPem": remote.keys[number][1]},
        }
        return web.json_response(doc, content_type=AP)

    async def webfinger(request: web.Request) -> web.Response:
        user = request.query["resource"].removeprefix("acct:").split("@")[0]
        number = int(user[1:])
        return web.json_response(
            {
                "subject": request.query["resource"],
                "links": [{"rel": "self", "type": AP, "href": remote.actor_id(number)}],
            },
            content_type="application/jrd+json",
        )

    async def inbox(request: web.Request) -> web.Response:
        remote.received.append((request.path_qs, dict(request.headers), await request.read()))
        return web.Response(status=202)

    app = web.Application()
    app.router.add_get("/users/u{n:\\d+}", actor)
    app.router.add_get("/.well-known/webfinger", webfinger)
    app.router.add_post("/{path:.*}", inbox)
    return app


@asynccontextmanager
async def remote_actors(count: int = ACTORS) -> AsyncIterator[Remote]:
    """`count` actors with fresh RSA-2048 keys (made in a thread), served on a free loopback port."""
    keys = await asyncio.to_thread(lambda: [generate_key_pair() for _ in range(count)])
    remote = Remote("", keys)
    runner = web.AppRunner(remote_app(remote), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    remote.base_url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # noqa: SLF001
    try:
        yield remote
    finally:
        await runner.cleanup()


# --- requests, signed beforehand -------------------------------------------------------------------


def create_note(remote: Remote, target: str, actor: int, number: int) -> dict:
    """A public Create(Note) as Mastodon sends it, tagged #offre (a tag of the instance at `target`)."""
    actor_id = remote.actor_id(actor)
    note_id = f"{actor_id}/statuses/{number}"
    return {
        "@context": AS,
        "id": f"{note_id}/activity",
        "type": "Create",
        "actor": actor_id,
        "published": "2026-03-01T12:00:00Z",
        "to": [f"{AS}#Public"],
        "cc": [f"{actor_id}/followers"],
        "object": {
            "id": note_id,
            "type": "Note",
            "attributedTo": actor_id,
            "content": TEXT,
            "published": "2026-03-01T12:00:00Z",
            "to": [f"{AS}#Public"],
            "cc": [f"{actor_id}/followers"],
            "tag": [{"type": "Hashtag", "name": "#offre", "href": f"{target}/tags/offre"}],
        },
    }


def notes(remote: Remote, target: str, numbers: range) -> list[tuple[int, dict]]:
    """(actor, Create(Note)) for each number, the actors taking turns."""
    count = len(remote.keys)
    return [(n % count, create_note(remote, target, n % count, n)) for n in numbers]


def follows(remote: Remote, followed: str) -> list[tuple[int, dict]]:
    """(actor, Follow of `followed`) for every actor: the instance fetches and caches each actor's key."""
    return [
        (
            n,
            {
                "@context": AS,
                "id": f"{remote.actor_id(n)}#follows/warm",
                "type": "Follow",
                "actor": remote.actor_id(n),
                "object": followed,
            },
        )
        for n in range(len(remote.keys))
    ]


def signed_requests(remote: Remote, inbox: str, activities: list[tuple[int, dict]]) -> list[tuple[bytes, dict]]:
    """(body, headers) of each activity POSTed to `inbox`, signed by its actor's key."""
    prepared = []
    for actor, activity in activities:
        body = json.dumps(activity).encode()
        headers = sign_request(
            "POST", inbox, key_id=remote.key_id(actor), private_key_pem=remote.keys[actor][0], body=body
        )
        prepared.append((body, headers))
    return prepared


async def follow_every_actor(db: Database, username: str, remote: Remote) -> None:
    """The local member `username` follows every remote actor, so each Create(Note) is kept as a Post."""
    from fedaid.models import Actor, Follow, FollowState

    with db.active():
        member = await Actor.get(username=username, is_local=True)
        remote_ids = await Actor.filter(ap_id__in=[remote.actor_id(n) for n in range(len(remote.keys))]).values_list(
            "id", flat=True
        )
        if len(remote_ids) != len(remote.keys):
            raise SystemExit(f"only {len(remote_ids)} remote actors were stored during the warm-up")
        await Follow.bulk_create(
            [
                Follow(
                    follower_id=member.id,
                    target_id=rid,
                    state=FollowState.ACCEPTED,
                    ap_id=f"{member.ap_id}/follows/{rid}",
                )
                for rid in remote_ids
            ]
        )


# --- the sender -----------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    seconds: float
    latencies: list[float]  # one per answer, retries included
    statuses: dict[int, int]  # answers by status (599: the connection failed)
    cpu_seconds: float | None = None
    accepted: set[int] = field(default_factory=set)  # the requests answered 202, by position
    retries: int = 0

    @property
    def accepted_per_second(self) -> float:
        return self.statuses.get(202, 0) / self.seconds

    @property
    def cpu_per_request(self) -> float | None:
        """Server CPU seconds per accepted request, when the server's CPU was measured."""
        return self.cpu_seconds / max(1, self.statuses.get(202, 0)) if self.cpu_seconds is not None else None

    def summary(self) -> str:
        cpu = f", {self.cpu_per_request * 1e6:.0f} µs CPU each" if self.cpu_per_request is not None else ""
        return f"{self.accepted_per_second:.0f}/s{cpu}"

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000

    def line(self) -> str:
        errors = sum(count for status, count in self.statuses.items() if status >= 500)
        other = sum(count for status, count in self.statuses.items() if status != 202 and status < 500)
        return (
            f"{self.name:<22}{len(self.latencies):>9}{self.accepted_per_second:>12.0f}"
            f"{statistics.median(self.latencies) * 1000:>9.1f}{self.percentile(0.99):>9.1f}{errors:>6}{other:>7}"
        )


@dataclass(frozen=True)
class Pacing:
    """How `drive` spreads and repeats requests: at most `rate` first attempts per second (None: as fast as
    answers come), and a request answered with a status in `retry` sent again every `pause` seconds, as
    Mastodon retries a delivery, until `give_up` seconds after the run started."""

    rate: float | None = None
    retry: Collection[int] = ()
    pause: float = 0.5
    give_up: float = 600


async def drive(
    name: str,
    inbox: str,
    requests: list[tuple[bytes, dict]],
    concurrency: int,
    pid: int | None = None,
    *,
    pacing: Pacing = Pacing(),
    connect_to: tuple[str, int] | None = None,
    tls: ssl.SSLContext | None = None,
) -> Result:
    """POST every prepared request over `concurrency` keep-alive connections; latencies are per request.

    The requests go out as raw HTTP/1.1 bytes, as wrk sends them: on a machine with two CPUs, aiohttp's
    client would spend as much CPU per request as the ceiling server does and take it from the servers.
    They go to `inbox`'s host and port, or to `connect_to` (a proxy in front of it), over TLS with `tls`.
    """
    url = urlsplit(inbox)
    host, port = connect_to or (url.hostname, url.port or (443 if tls else 80))
    pending = iter([(n, raw_post(url.path, url.netloc, body, headers)) for n, (body, headers) in enumerate(requests)])
    result = Result(name, 0.0, [], {})

    open_stream = functools.partial(
        asyncio.open_connection, host, port, ssl=tls, server_hostname=url.hostname if tls else None
    )

    async def connect() -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        try:
            return await open_stream()
        except OSError:
            return None  # the server is down: the next attempt connects again

    async def connection() -> None:
        stream = await connect()
        for number, payload in pending:  # shared by every connection: each takes the next request
            if pacing.rate is not None and (wait := started + number / pacing.rate - time.perf_counter()) > 0:
                await asyncio.sleep(wait)
            while True:
                sent = time.perf_counter()
                try:
                    stream = stream or await open_stream()
                    stream[1].write(payload)
                    status, keep_alive = await read_response(stream[0])
                except (OSError, asyncio.IncompleteReadError):
                    status, keep_alive = 599, False
                result.latencies.append(time.perf_counter() - sent)
                result.statuses[status] = result.statuses.get(status, 0) + 1
                if status == 202:
                    result.accepted.add(number)
                if not keep_alive:
                    if stream is not None:
                        stream[1].close()
                    stream = await connect()
                if status not in pacing.retry or time.perf_counter() - started > pacing.give_up:
                    break
                result.retries += 1
                await asyncio.sleep(pacing.pause)
        if stream is not None:
            stream[1].close()

    cpu_before = process_cpu(pid)
    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    result.seconds = time.perf_counter() - started
    cpu_after = process_cpu(pid)
    if cpu_before is not None and cpu_after is not None:
        result.cpu_seconds = cpu_after - cpu_before
    return result


def raw_post(path: str, host: str, body: bytes, headers: dict[str, str]) -> bytes:
    """One HTTP/1.1 POST as bytes on the wire (`headers` come from sign_request and include Host)."""
    fields = {"Host": host, **headers, "Content-Length": str(len(body))}
    head = f"POST {path} HTTP/1.1\r\n" + "".join(f"{name}: {value}\r\n" for name, value in fields.items())
    return head.encode("latin-1") + b"\r\n" + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """The status of one response, its body read and dropped; and whether the connection stays open."""
    head = (await reader.readuntil(b"\r\n\r\n")).lower()
    status = int(head[9:12])
    length = 0
    if (at := head.find(b"\r\ncontent-length:")) >= 0:
        length = int(head[at + 17 : head.index(b"\r\n", at + 2)])
    await reader.readexactly(length)
    return status, b"\r\nconnection: close" not in head


def process_cpu(pid: int | None) -> float | None:
    """User + system CPU seconds of another process, from /proc (Linux)."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
