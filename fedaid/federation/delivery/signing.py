"""Signing the rows of a pass: each inbox URL checked and parsed once, each distinct body digested once,
signatures made SIGNING_CHUNK rows at a time in a signing thread (RSA releases the GIL)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address

from yarl import URL

from fedaid.clock import utcnow
from fedaid.errors import FedaidError, SignatureError, UnsafeAddress
from fedaid.federation.fetch import check_literal_host, check_url
from fedaid.federation.signatures import body_digest, http_date, request_target_of, sign_post
from fedaid.models import Actor, Delivery

INBOXES_KEPT = 10_000  # checked and parsed inbox URLs kept by a worker
IPAddress = IPv4Address | IPv6Address
SIGNING_CHUNK = 8  # rows signed per hand-off to a signing thread


@dataclass(frozen=True)
class Inbox:
    """An inbox URL checked and parsed once: what the POST goes to and what its signature covers."""

    url: URL
    host: str  # the Host header
    request_target: str  # the path and query, as signed


@dataclass(frozen=True)
class Signing:
    """What one row's signature needs; `sign_chunk` turns it into headers in a signing thread."""

    inbox: Inbox
    body: bytes
    digest: str
    sender: Actor | None


@dataclass(frozen=True)
class Signed:
    """A row ready to POST."""

    url: URL
    body: bytes
    headers: dict[str, str]


SignedChunk = asyncio.Future[list[Signed | FedaidError]]  # a chunk's rows in order, or why each cannot go


class Signer:
    """Signs a pass's rows, in `threads` threads (0: in the event loop), remembering checked inbox URLs."""

    def __init__(self, *, allowed: Callable[[IPAddress], bool], allow_http: bool, threads: int) -> None:
        self._allowed = allowed
        self._allow_http = allow_http
        self._threads = threads
        self._executor: ThreadPoolExecutor | None = None
        self._inboxes: dict[str, Inbox | UnsafeAddress] = {}  # inbox URL → parsed, or why it is refused

    def start(self) -> None:
        if self._threads:
            self._executor = ThreadPoolExecutor(self._threads, thread_name_prefix="fedaid-sign")

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    def sign_all(self, rows: list[Delivery], senders: dict[int, Actor]) -> list[SignedChunk]:
        """Start signing every row, SIGNING_CHUNK rows per hand-off; one future per chunk.

        Each distinct body is encoded and digested once: a fan-out sends the same body to every inbox.
        """
        bodies: dict[str, tuple[bytes, str]] = {}  # payload → its bytes and Digest
        signings: list[Signing | UnsafeAddress] = []
        for row in rows:
            inbox = self.inbox(row.inbox)
            if isinstance(inbox, UnsafeAddress):
                signings.append(inbox)
                continue
            body = bodies.get(row.payload)
            if body is None:
                encoded = row.payload.encode("utf-8")
                body = bodies[row.payload] = (encoded, body_digest(encoded))
            signings.append(Signing(inbox, *body, senders.get(row.sender_id)))
        chunks = [signings[start : start + SIGNING_CHUNK] for start in range(0, len(signings), SIGNING_CHUNK)]
        loop = asyncio.get_running_loop()
        if self._executor is None:
            futures = []
            for chunk in chunks:
                future: SignedChunk = loop.create_future()
                future.set_result(sign_chunk(chunk))
                futures.append(future)
            return futures
        return [loop.run_in_executor(self._executor, sign_chunk, chunk) for chunk in chunks]

    def inbox(self, inbox: str) -> Inbox | UnsafeAddress:
        """The inbox URL parsed, or why we must not POST to it (names are checked when resolved); cached."""
        known = self._inboxes.get(inbox)
        if known is None:
            try:
                check_url(inbox, allow_http=self._allow_http)
                check_literal_host(inbox, self._allowed)  # aiohttp does not send IP literals to the resolver
                known = Inbox(URL(inbox), *request_target_of(inbox))
            except UnsafeAddress as err:
                known = err
            if len(self._inboxes) >= INBOXES_KEPT:
                self._inboxes.clear()
            self._inboxes[inbox] = known
        return known


def sign_chunk(signings: list[Signing | UnsafeAddress]) -> list[Signed | FedaidError]:
    """Each row of a chunk signed and ready to POST, or why it cannot be; runs in a signing thread (RSA frees GIL)."""
    date = http_date(utcnow())
    signed: list[Signed | FedaidError] = []
    for signing in signings:
        if isinstance(signing, UnsafeAddress):
            signed.append(signing)
            continue
        sender = signing.sender
        if sender is None or not sender.private_key_pem or not sender.key_id:
            signed.append(SignatureError("the sender has no key to sign with"))
            continue
        try:
            # Content-Type: application/activity+json (Mastodon's ActivityPub::DeliveryWorker)
            headers = sign_post(
                signing.inbox.request_target,
                signing.inbox.host,
                signing.digest,
                date,
                key_id=sender.key_id,
                private_key_pem=sender.private_key_pem,
            )
            signed.append(Signed(signing.inbox.url, signing.body, headers))
        except SignatureError as err:
            signed.append(err)
    return signed
