"""create_app(settings): the only place that wires routes, templates, the database and the workers."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

from aiohttp import web

import fedaid
from fedaid.api import routes as api_routes
from fedaid.api import stream_hub
from fedaid.appkeys import (
    DATABASE,
    FETCHER,
    MEDIA_FILES,
    MEDIA_WORKER,
    PAGE_ROUTES,
    REMOTE_ACTORS,
    SETTINGS,
    USAGE,
    VAPID_PUBLIC_KEY,
)
from fedaid.config import Settings
from fedaid.db import Database
from fedaid.domain.demand_question import DemandUpdates
from fedaid.domain.expiry import ExpiryTimer
from fedaid.domain.instance import UsageCache, ensure_instance
from fedaid.domain.push_subscriptions import ensure_vapid_key
from fedaid.domain.session_reminders import SessionReminders
from fedaid.federation import actor_routes, circle_routes, demand_routes, discovery, inbox, object_routes
from fedaid.federation.delivery import DeliveryWorker
from fedaid.federation.fetch import Fetcher
from fedaid.federation.inbox_worker import InboxWorker
from fedaid.federation.ledger_reports import LedgerReports
from fedaid.federation.media_worker import MediaWorker
from fedaid.federation.remote_actors import RemoteActors
from fedaid.federation.signatures import sign_request
from fedaid.filestore import LocalFileStore
from fedaid.middlewares import request_middleware
from fedaid.models import Actor, JobChannel
from fedaid.negotiation import negotiated
from fedaid.ops import health
from fedaid.ops.metrics import metrics_middleware
from fedaid.ops.startup import prepare_database
from fedaid.outbound.mail import MailSender
from fedaid.outbound.push import PushSender
from fedaid.outbound.worker import OutboundWorker, Sender
from fedaid.slashes import slash_middleware
from fedaid.web import coaching, demands, ledger, profiles, proposals, site, uploads
from fedaid.web import routes as web_routes
from fedaid.web.sessions import PageRoutes
from fedaid.worker import Job, run_jobs_forever

log = logging.getLogger("fedaid.app")

TEMPLATES_DIR = Path(fedaid.__file__).resolve().parent.parent / "templates"
USER_AGENT = f"fedaid/{fedaid.__version__}"
WORKER_TASK = web.AppKey("worker_task", asyncio.Task)
WORKER_STOP = web.AppKey("worker_stop", asyncio.Event)
INSTANCE_ACTOR = web.AppKey("instance_actor", Actor)
DELIVERY_WORKER = web.AppKey("delivery_worker", DeliveryWorker)
INBOX_WORKER = web.AppKey("inbox_worker", InboxWorker)
EXPIRY = web.AppKey("expiry", ExpiryTimer)
DEMAND_UPDATES = web.AppKey("demand_updates", DemandUpdates)
SESSION_REMINDERS = web.AppKey("session_reminders", SessionReminders)
LEDGER_REPORTS = web.AppKey("ledger_reports", LedgerReports)
OUTBOUND_WORKER = web.AppKey("outbound_worker", OutboundWorker)


def create_app(settings: Settings, *, database: Database | None = None, run_worker: bool = True) -> web.Application:
    """The whole instance as an aiohttp app. Pass `database` to share an already-open one (tests)."""
    app = web.Application(
        client_max_size=settings.max_body_bytes,
        middlewares=[slash_middleware, request_middleware, metrics_middleware, uploads.page_form_files],
    )
    app[SETTINGS] = settings
    app[DATABASE] = database or Database(settings.database_url)
    app[MEDIA_FILES] = LocalFileStore(settings.media_dir)
    app[USAGE] = UsageCache()
    setup_templates(app, settings)
    add_routes(app)
    app.on_startup.append(_open_database(owns_database=database is None))
    app.on_startup.append(_start_fetcher)
    app.on_startup.append(_start_federation)
    app.on_startup.append(stream_hub.start_hub)
    app.on_shutdown.append(stream_hub.stop_hub)
    if run_worker:
        app.on_startup.append(_start_worker)
        app.on_cleanup.append(_stop_worker)
    app.on_cleanup.append(_stop_federation)
    app.on_cleanup.append(_close_fetcher)
    if database is None:
        app.on_cleanup.append(_close_database)
    return app


def setup_templates(app: web.Application, settings: Settings) -> None:
    """Templates with French and English, sessions, CSRF checks and HTML error pages (`web.site`)."""
    site.setup_site(app, settings, TEMPLATES_DIR)


def add_routes(app: web.Application) -> None:
    """Every route; the kind of each (page, negotiated document, other) is recorded in `PAGE_ROUTES`."""
    signed = object_routes.signed_fetch  # authorized fetch: AP JSON only for signed GETs (not /actor)
    actor_page = negotiated(signed(actor_routes.serve_actor_json), profiles.serve_profile_html)
    app.router.add_routes(discovery.routes())
    app.router.add_routes(api_routes.routes())
    pages = app.router.add_routes(web_routes.page_routes())
    app.router.add_routes(web_routes.public_files())
    app.router.add_get("/actor", actor_routes.serve_actor_json)
    documents = app.router.add_routes(
        [
            web.get("/{kind:u|c}/{name}", actor_page),
            web.get("/u/{name}/posts/{post_id}", object_routes.post_handler(proposals.serve_post_html)),
            web.get(
                r"/c/{name}/demands/{id:\d+}",
                negotiated(signed(demand_routes.serve_question_json), demands.show_demand_by_url),
            ),
            web.get(
                r"/c/{name}/events/{session_id:\d+}",
                negotiated(signed(circle_routes.serve_event_json), coaching.show_session),
            ),
            web.get("/c/{name}/ledger", negotiated(signed(circle_routes.serve_ledger_json), ledger.show_ledger)),
        ]
    )
    app.router.add_get("/actor/followers", signed(actor_routes.serve_followers))
    app.router.add_get("/actor/following", signed(actor_routes.serve_following))
    app.router.add_get("/actor/outbox", signed(actor_routes.serve_outbox))
    app.router.add_get("/{kind:u|c}/{name}/followers", signed(actor_routes.serve_followers))
    app.router.add_get("/{kind:u|c}/{name}/following", signed(actor_routes.serve_following))
    app.router.add_get("/{kind:u|c}/{name}/outbox", signed(actor_routes.serve_outbox))
    app.router.add_routes(inbox.routes())
    health.setup(app)
    app[PAGE_ROUTES] = PageRoutes(pages=frozenset(pages), documents=frozenset(documents))


def _open_database(*, owns_database: bool):
    async def open_database(app: web.Application) -> None:
        settings, db = app[SETTINGS], app[DATABASE]
        if owns_database:
            await db.connect()
            await prepare_database(db, settings)
        with db.active():
            actors, _ = await ensure_instance(
                settings.base_url,
                collective_name=settings.collective_name,
                collective_slug=settings.collective_slug,
                collective_summary=settings.collective_summary,
            )
            app[VAPID_PUBLIC_KEY] = (await ensure_vapid_key()).public_key  # first run, or the upgrade adding push
        app[INSTANCE_ACTOR] = actors.instance
        if settings.allow_private_addresses:
            log.warning(
                "FEDAID_ALLOW_PRIVATE_ADDRESSES is on: this instance will contact private and loopback "
                "addresses. Use it for tests and local demos only, never in production."
            )

    return open_database


async def _close_database(app: web.Application) -> None:
    await app[DATABASE].close()


def instance_get_signer(instance: Actor):
    """Sign every outbound GET as the instance actor (Mastodon's AUTHORIZED_FETCH mode)."""

    def sign(method: str, url: str, headers: dict[str, str]) -> dict[str, str]:
        return sign_request(
            method, url, key_id=instance.key_id, private_key_pem=instance.private_key_pem, accept=headers.get("Accept")
        )

    return sign


async def _start_fetcher(app: web.Application) -> None:
    settings = app[SETTINGS]
    fetcher = Fetcher(
        allow_private_addresses=settings.allow_private_addresses,
        allow_http=settings.allow_http,
        user_agent=f"{USER_AGENT} (+{settings.base_url})",
        sign=instance_get_signer(app[INSTANCE_ACTOR]),
    )
    await fetcher.start()
    app[FETCHER] = fetcher


async def _close_fetcher(app: web.Application) -> None:
    await app[FETCHER].close()


def worker_jobs(app: web.Application) -> list[Job]:
    """Every queue this instance's worker drains, in the order one pass visits them."""
    return [
        Job("inbox", app[INBOX_WORKER].run_once),
        Job("deliveries", app[DELIVERY_WORKER].run_once),
        Job("media and threads", app[MEDIA_WORKER].run_once),
        Job("expiry", app[EXPIRY].run_once),
        Job("demands", app[DEMAND_UPDATES].run_once),
        Job("session reminders", app[SESSION_REMINDERS].run_once),
        Job("allies' ledgers", app[LEDGER_REPORTS].run_once),
        Job("mail and push", app[OUTBOUND_WORKER].run_once),
    ]


async def _start_federation(app: web.Application) -> None:
    """Remote actors (key cache), the inbox and its worker, and the delivery worker."""
    settings = app[SETTINGS]
    app[REMOTE_ACTORS] = RemoteActors(app[FETCHER], local_domain=settings.domain)
    checks = inbox.setup_inbox(app)
    app[INBOX_WORKER] = InboxWorker(settings, app[REMOTE_ACTORS], app[FETCHER], checks.policies)
    app[MEDIA_WORKER] = MediaWorker(settings, app[FETCHER], app[MEDIA_FILES], app[INBOX_WORKER])
    delivery = DeliveryWorker(
        f"{USER_AGENT} (+{settings.base_url})",
        settings.allow_private_addresses,
        allow_http=settings.allow_http,
        per_host_concurrency=settings.per_host_concurrency,
        concurrency=settings.worker_concurrency,
        signing_threads=settings.signing_threads,
    )
    await delivery.start()
    app[DELIVERY_WORKER] = delivery
    app[EXPIRY] = ExpiryTimer()
    app[DEMAND_UPDATES] = DemandUpdates(timedelta(seconds=settings.demand_update_interval))
    app[SESSION_REMINDERS] = SessionReminders()
    app[LEDGER_REPORTS] = LedgerReports(app[FETCHER])
    with app[DATABASE].active():
        vapid_key = await ensure_vapid_key()
    app[OUTBOUND_WORKER] = OutboundWorker(outbound_senders(settings, PushSender(settings, app[FETCHER], vapid_key)))


def outbound_senders(settings: Settings, push: PushSender) -> dict[JobChannel, Sender]:
    """The channels this instance reaches members by: push always, mail only when SMTP is configured."""
    senders: dict[JobChannel, Sender] = {JobChannel.PUSH: push}
    if settings.is_mail_enabled:
        senders[JobChannel.MAIL] = MailSender(settings)
    else:
        log.info("FEDAID_SMTP_URL is not set: email is off")
    return senders


async def _stop_federation(app: web.Application) -> None:
    if MEDIA_WORKER in app:
        await app[MEDIA_WORKER].close()
    if DELIVERY_WORKER in app:
        await app[DELIVERY_WORKER].close()


async def _start_worker(app: web.Application) -> None:
    stop = asyncio.Event()
    app[WORKER_STOP] = stop
    with app[DATABASE].active():
        app[WORKER_TASK] = asyncio.create_task(run_jobs_forever(worker_jobs(app), stop))


async def _stop_worker(app: web.Application) -> None:
    app[WORKER_STOP].set()
    await app[WORKER_TASK]
