"""`/healthz` (the process answers), `/readyz` (its database answers and is migrated) and `/metrics`.

/healthz never touches the database: a load balancer or systemd watchdog restarts a process that does not
answer it. /readyz says whether to send traffic here: 503 with the reason while the database is unreachable
or has migrations pending, 200 once it is back. /metrics is for Prometheus: from loopback only (nginx must
not pass it on: `deploy/nginx-fedaid.conf` refuses it), or with `Authorization: Bearer <FEDAID_METRICS_TOKEN>`
from anywhere when that setting is given.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from fedaid.appkeys import DATABASE, SETTINGS
from fedaid.clock import utcnow
from fedaid.ops import metrics
from fedaid.ops.queues import read_queues
from fedaid.storage.availability import DATABASE_ERRORS, is_unavailable

log = logging.getLogger("fedaid.health")

READY_TIMEOUT = 3.0  # seconds a readiness probe may wait for the database


class _Migrations:
    """Whether every migration was found applied once (they only ever move forward while a process runs)."""

    current = False


MIGRATIONS = web.AppKey("migrations", _Migrations)
FORWARDING_HEADERS = ("X-Forwarded-For", "X-Real-IP", "Forwarded")


def setup(app: web.Application) -> None:
    """Add /healthz, /readyz and /metrics to `app`."""
    app[MIGRATIONS] = _Migrations()
    app.router.add_get("/healthz", serve_health)
    app.router.add_get("/readyz", serve_ready)
    app.router.add_get("/metrics", serve_metrics)


async def serve_health(_request: web.Request) -> web.Response:
    """Alive: this process runs its event loop."""
    return web.Response(text="ok\n")


async def serve_ready(request: web.Request) -> web.Response:
    """Ready: the database answers within READY_TIMEOUT and every migration is applied."""
    db = request.app[DATABASE]
    try:
        await asyncio.wait_for(db.ping(), READY_TIMEOUT)
        migrations = request.app[MIGRATIONS]
        if not migrations.current:
            pending = await asyncio.wait_for(db.pending_migrations(), READY_TIMEOUT)
            if pending:
                return _not_ready(f"{len(pending)} migration(s) pending: run `fedaid migrate`")
            migrations.current = True
    except TimeoutError:
        return _not_ready(f"the database did not answer within {READY_TIMEOUT:g} s")
    except (*DATABASE_ERRORS, OSError) as err:
        if not is_unavailable(err) and not isinstance(err, OSError):
            log.warning("readiness check failed", exc_info=True)
        return _not_ready("the database is unreachable")
    return web.Response(text="ready\n")


def _not_ready(reason: str) -> web.Response:
    return web.Response(status=503, text=f"not ready: {reason}\n", headers={"Retry-After": "5"})


async def serve_metrics(request: web.Request) -> web.Response:
    """Prometheus' text format, for loopback or the metrics token only."""
    if not may_scrape(request, request.app[SETTINGS].metrics_token):
        return web.Response(status=403, text="metrics are served to loopback, or with FEDAID_METRICS_TOKEN\n")
    figures = await read_queues(utcnow())
    body = metrics.render(figures)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def may_scrape(request: web.Request, token: str) -> bool:
    """With a token: the right bearer token. Without: a loopback peer that is not a proxy forwarding someone."""
    if token:
        offered = request.headers.get("Authorization", "")
        return hmac.compare_digest(offered.encode(), f"Bearer {token}".encode())
    if any(header in request.headers for header in FORWARDING_HEADERS):
        return False
    try:
        return ipaddress.ip_address(request.remote or "").is_loopback
    except ValueError:
        return False
