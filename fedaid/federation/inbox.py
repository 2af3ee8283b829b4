"""The inbox: take activities from other servers, check them, store them, answer 202 (docs/architecture.md, Inbound).

    POST /inbox, /u/<name>/inbox, /c/<slug>/inbox
      │
      ├─ body over the cap ─────────────────────────────────── 413
      ├─ content type not AP JSON (ActivityPub §7; docs.gotosocial.org federation/actors) ─────────────── 415
      ├─ not one JSON object, or nested too deep ───────────── 400
      ├─ actor's or keyId's domain blocked ─────────────────── 403  nothing fetched, nothing stored
      ├─ Delete of an actor we do not know (fedify-dev/fedify#472) 202  dropped, nothing fetched
      ├─ signature (RemoteActors.verify_signer, cached keys)── 401
      ├─ signer is not the actor → fetch the activity from
      │  its origin: same id, actor and type → use that copy ─ 403 otherwise (ActivityPub §7.1.2)
      ├─ ids off the actor's origin (FEP-fe34) ───────────── 400
      ├─ activity id already stored ────────────────────────── 202  stored once
      └─ InboxItem stored ──────────────────────────────────── 202  inbox_worker.py applies it later

Nothing here applies an activity: the worker does, so a slow database or a crash never loses what
was answered 202. Every refusal is a FedaidError, which the request middleware logs with its reason.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import NamedTuple

from aiohttp import web

from fedaid.activitypub.parse import Activity, JSONDict, id_of, load_json_object, parse_activity
from fedaid.activitypub.vocab import ActivityType
from fedaid.appkeys import FETCHER, REMOTE_ACTORS, SETTINGS
from fedaid.clock import utcnow
from fedaid.config import Settings
from fedaid.domain.actors import get_local_actor
from fedaid.domain.policy import DomainPolicies
from fedaid.errors import (
    FetchError,
    Forbidden,
    Gone,
    InvalidActivity,
    NotFound,
    PayloadTooLarge,
    SignatureError,
    UnsupportedMediaType,
)
from fedaid.federation.delivery import mark_domain_alive
from fedaid.federation.fetch import Fetcher
from fedaid.federation.remote_actors import RemoteActors, Signer, is_known_remote_actor
from fedaid.hosts import host_of_url
from fedaid.models import ActorType, InboxItem, InboxState
from fedaid.storage.bulk_insert import insert_new_rows

log = logging.getLogger("fedaid.inbox")

INBOX: web.AppKey[Inbox] = web.AppKey("inbox")
DOMAIN_POLICIES = web.AppKey("domain_policies", DomainPolicies)

# ActivityPub §7; GoToSocial refuses anything else. ld+json is taken with or without the AS profile.
AP_MEDIA_TYPES = frozenset({"application/activity+json", "application/ld+json"})
COLUMN_MAX = 512  # InboxItem.activity_id and actor_ap_id are varchar(512)
ALIVE_NOTE_INTERVAL = 600.0  # seconds between two "this host is alive" writes for one host
_KEY_ID = re.compile(r'keyid\s*=\s*"([^"]+)"', re.IGNORECASE)
_ACTOR_PATHS = {"u": (ActorType.PERSON,), "c": (ActorType.GROUP,)}


class Inbox:
    """The checks of one instance's inbox, with its caches (keys in RemoteActors, domain policies here)."""

    def __init__(
        self, settings: Settings, remote_actors: RemoteActors, fetcher: Fetcher, policies: DomainPolicies
    ) -> None:
        self._settings = settings
        self._remote_actors = remote_actors
        self._fetcher = fetcher
        self.policies = policies
        self._alive_noted: dict[str, float] = {}
        self._writer = InboxWriter()

    async def receive(self, url: str, headers: Mapping[str, str], body: bytes) -> None:
        """Check one POSTed activity and store it (once per id); raises the FedaidError that says why not."""
        check_content_type(headers.get("Content-Type", ""))
        doc = load_json_object(body)
        await self._check_domains(doc, headers)
        leaving = _actor_deleting_itself(doc)
        if leaving and not await is_known_remote_actor(leaving):
            log.info("dropped Delete of an unknown actor", extra={"actor": leaving})
            return
        activity = parse_activity(doc)
        _check_lengths(activity)
        try:
            signer = await self._verify(url, headers, body)
        except Gone:
            if leaving:  # the signer's server says it is gone: nothing to verify any more
                return
            raise
        await self._note_alive(signer)
        if signer.ap_id != activity.actor_ap_id:
            activity = await self._fetch_from_origin(activity, signer)
            body = json.dumps(activity.raw).encode()  # the origin's copy is the one we keep
        await self._writer.store(
            NewItem(
                activity_id=activity.ap_id,
                activity_type=activity.type[:64],
                actor_ap_id=activity.actor_ap_id,
                signed_by=signer.key_id[:COLUMN_MAX],
                payload=body.decode("utf-8"),
            )
        )

    # --- the steps -----------------------------------------------------------------------------

    async def _check_domains(self, doc: JSONDict, headers: Mapping[str, str]) -> None:
        """403 before anything is fetched when the actor's or the signing key's domain is blocked."""
        hosts = [host_of_url(url) for url in (id_of(doc.get("actor")), _key_id(headers)) if url]
        if blocked := await self.policies.first_blocked(hosts):
            raise Forbidden(f"{blocked} is blocked by this instance.")

    async def _verify(self, url: str, headers: Mapping[str, str], body: bytes) -> Signer:
        try:
            return await self._remote_actors.verify_signer("POST", url, headers, body)
        except FetchError as err:
            raise SignatureError(f"The signer's key cannot be fetched: {err}") from err
        except NotFound as err:
            raise SignatureError(f"The signer's key cannot be found: {err}") from err

    async def _note_alive(self, signer: Signer) -> None:
        """A signed request from a host ends its "unavailable" mark; written at most every 10 min."""
        host = host_of_url(signer.delivery_inbox)
        now = time.monotonic()
        if now - self._alive_noted.get(host, -ALIVE_NOTE_INTERVAL) < ALIVE_NOTE_INTERVAL:
            return
        self._alive_noted[host] = now
        await mark_domain_alive(host)

    async def _fetch_from_origin(self, activity: Activity, signer: Signer) -> Activity:
        """A forwarded activity: trusted only as its origin serves it (ActivityPub §7.1.2)."""
        refusal = (
            f"The request is signed by {signer.ap_id}, not by the activity's actor "
            f"{activity.actor_ap_id}, and the activity could not be confirmed by its origin"
        )
        try:
            fetched = parse_activity(await self._fetcher.get_json(activity.ap_id))
        except (FetchError, InvalidActivity) as err:
            raise Forbidden(f"{refusal}: {err}") from err
        same = (fetched.ap_id, fetched.actor_ap_id, fetched.type, fetched.object_ap_id) == (
            activity.ap_id,
            activity.actor_ap_id,
            activity.type,
            activity.object_ap_id,
        )
        if not same:
            raise Forbidden(f"{refusal}: its origin serves a different activity.")
        return fetched


class NewItem(NamedTuple):
    """An InboxItem to insert; `payload` is the activity's JSON text, exactly as received or fetched."""

    activity_id: str
    activity_type: str
    actor_ap_id: str
    signed_by: str
    payload: str


class InboxWriter:
    """Stores the items of concurrent requests together: one INSERT and one commit per batch.

    Every request still answers only once its row is committed (a group commit): the batch is whatever
    arrived while the previous one was being written, so a lone request waits for nobody. Rows go in
    with one plain INSERT rather than through model instances, the costliest part of the hot path; an
    activity id already stored (or twice in one batch) is skipped by the database.
    """

    def __init__(self, max_batch: int = 500, clock: Callable[[], datetime] = utcnow) -> None:
        self._waiting: list[tuple[NewItem, asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._max_batch = max_batch  # 5 parameters each: well under both backends' bound-parameter limits
        self._clock = clock

    async def store(self, item: NewItem) -> None:
        """Return once the item is committed, or was already stored."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        await future

    async def _flush(self) -> None:
        while self._waiting:
            batch = self._waiting[: self._max_batch]
            del self._waiting[: self._max_batch]
            try:
                await insert_items([item for item, _ in batch], self._clock())
            except Exception as err:  # a database failure: every request of the batch answers 500
                log.exception("storing inbox items failed")
                for _, future in batch:
                    if not future.done():
                        future.set_exception(err)
                continue
            for _, future in batch:
                if not future.done():
                    future.set_result(None)


async def insert_items(items: list[NewItem], now: datetime) -> None:
    """One multi-row INSERT, received and due `now`, that skips activity ids already stored."""
    shared = {
        "received_at": now,
        "next_attempt_at": now,
        "state": InboxState.PENDING.value,
        "attempts": 0,
        "last_error": "",
    }
    await insert_new_rows(InboxItem, shared, NewItem._fields, items, unique="activity_id")


# --- checks that need no state -------------------------------------------------------------------


def check_content_type(value: str) -> None:
    """415 unless the body is labelled ActivityPub JSON (ActivityPub §7; docs.gotosocial.org federation/actors)."""
    media_type, _, params = value.partition(";")
    media_type = media_type.strip().lower()
    if media_type not in AP_MEDIA_TYPES:
        raise UnsupportedMediaType(
            f"The content type {media_type or '(none)'!r} is not accepted; send application/activity+json."
        )
    if media_type == "application/ld+json" and "profile" in params and "activitystreams" not in params:
        raise UnsupportedMediaType("application/ld+json is accepted with the ActivityStreams profile only.")


def _check_lengths(activity: Activity) -> None:
    if len(activity.ap_id) > COLUMN_MAX or len(activity.actor_ap_id) > COLUMN_MAX:
        raise InvalidActivity(f"the activity id or actor is longer than {COLUMN_MAX} characters")


def _actor_deleting_itself(doc: JSONDict) -> str | None:
    """The actor of a Delete whose object is that actor (an account's removal), else None."""
    if doc.get("type") != ActivityType.DELETE:
        return None
    actor = id_of(doc.get("actor"))
    return actor if actor is not None and id_of(doc.get("object")) == actor else None


def _key_id(headers: Mapping[str, str]) -> str | None:
    """The keyId of a draft-cavage or RFC 9421 signature, read without verifying anything."""
    for name in ("Signature", "Signature-Input", "Authorization"):
        value = headers.get(name)
        if value and (match := _KEY_ID.search(value)):
            return match[1]
    return None


# --- the endpoint --------------------------------------------------------------------------------


async def receive_inbox_post(request: web.Request) -> web.Response:
    """Take an activity from another server; inbox_worker applies it later."""
    if "name" in request.match_info:  # a personal inbox: its owner must exist here
        owner = await get_local_actor(request.match_info["name"], types=_ACTOR_PATHS[request.match_info["kind"]])
        if owner.is_deleted:
            raise Gone(f"{owner.username} has left this instance.")
    body = await read_capped_body(request, request.app[SETTINGS].max_body_bytes)
    url = request.app[SETTINGS].base_url + request.raw_path
    await request.app[INBOX].receive(url, request.headers, body)
    return web.Response(status=202)


async def read_capped_body(request: web.Request, limit: int) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"The body is larger than {limit} bytes.")
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge as err:
        raise PayloadTooLarge(f"The body is larger than {limit} bytes.") from err
    if len(body) > limit:
        raise PayloadTooLarge(f"The body is larger than {limit} bytes.")
    return body


def setup_inbox(app: web.Application) -> Inbox:
    """Build the instance's Inbox from what the app already holds (call after the fetcher starts)."""
    policies = app.get(DOMAIN_POLICIES) or DomainPolicies()
    app[DOMAIN_POLICIES] = policies
    inbox = Inbox(app[SETTINGS], app[REMOTE_ACTORS], app[FETCHER], policies)
    app[INBOX] = inbox
    return inbox


def routes() -> list[web.RouteDef]:
    return [
        web.post("/inbox", receive_inbox_post),
        web.post("/actor/inbox", receive_inbox_post),
        web.post("/{kind:u|c}/{name}/inbox", receive_inbox_post),
    ]
