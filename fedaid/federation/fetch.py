"""The one fetcher for every outbound GET: SSRF guard, redirects, size and time caps, signing.

It knows media types and the `id` rule (Mastodon's JsonLdHelper and app/lib/request.rb), nothing else about AS2;
callers parse what comes back.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address, IPv6Network, ip_address
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from fedaid.errors import FetchError, UnsafeAddress

log = logging.getLogger("fedaid.fetch")

AP_ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
JRD_ACCEPT = "application/jrd+json, application/json"
AP_MEDIA_TYPES = frozenset({"application/activity+json", "application/ld+json"})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CHUNK_BYTES = 64 * 1024

IPAddress = IPv4Address | IPv6Address
AddressPolicy = Callable[[IPAddress], bool]
GetSigner = Callable[[str, str, dict[str, str]], dict[str, str]]
"""(method, url, headers) -> headers to add, e.g. Date and Signature as the instance actor."""
AddrInfo = tuple[int, int, int, str, tuple[Any, ...]]

# Packets to 64:ff9b::a.b.c.d go to the IPv4 address a.b.c.d through a NAT64 gateway (RFC 6052).
_NAT64_PREFIX = IPv6Network("64:ff9b::/96")


class RemoteStatusError(FetchError):
    """The other server answered with an HTTP status other than 200; `status_code` is that status."""

    def __init__(self, message: str, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


class ResponseTooLarge(FetchError):
    """The answer was larger than the caller's cap."""


class RemoteNotFound(RemoteStatusError):
    """The other server answered 404."""


class RemoteGone(RemoteStatusError):
    """The other server answered 410: the object or actor was deleted (ActivityPub §6.4; mastodon/mastodon#33290)."""


def is_public_address(ip: IPAddress) -> bool:
    """Whether `ip` is a public unicast address, the only kind another server may live at."""
    embedded = _embedded_ipv4(ip)
    if embedded is not None:
        return is_public_address(embedded)
    special = (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_unspecified or ip.is_reserved
    )
    if isinstance(ip, IPv6Address):
        special = special or ip.is_site_local
    # is_global also excludes 100.64.0.0/10 (CGNAT), which is neither private nor reserved.
    return ip.is_global and not special


def _embedded_ipv4(ip: IPAddress) -> IPv4Address | None:
    """The IPv4 address an IPv6 address really reaches: mapped, NAT64 or 6to4 forms."""
    if isinstance(ip, IPv4Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64_PREFIX:
        return IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


def allow_any_address(ip: IPAddress) -> bool:
    """The policy when `allow_private_addresses` is on (tests and local development)."""
    return True


def check_url(url: str, *, allow_http: bool, previous: str | None = None) -> None:
    """Refuse URLs we must not GET: other schemes, http unless allowed, and https→http redirects."""
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError as err:
        raise UnsafeAddress(f"{url!r} is not a valid URL") from err
    allowed_schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in allowed_schemes:
        raise UnsafeAddress(f"the scheme must be {' or '.join(allowed_schemes)}, not {parts.scheme!r}")
    if previous is not None and urlsplit(previous).scheme == "https" and parts.scheme != "https":
        raise UnsafeAddress("a redirect from https to http")
    if not hostname:
        raise UnsafeAddress("the URL has no host")


def check_literal_host(url: str, allowed: AddressPolicy) -> None:
    """Refuse an IP-literal host before connecting; aiohttp does not send those to the resolver."""
    hostname = urlsplit(url).hostname or ""
    try:
        ip = ip_address(hostname)
    except ValueError:
        return  # a name: GuardedResolver checks what it resolves to
    if not allowed(ip):
        raise UnsafeAddress(f"{ip} is a private or reserved address")


class RefusedConnection(OSError):
    """Raised inside aiohttp's connector, which wraps OSErrors; callers turn it into UnsafeAddress."""


def _require_allowed(address: str, allowed: AddressPolicy, *, hostname: str) -> None:
    try:
        ip = ip_address(address)
    except ValueError as err:
        raise RefusedConnection(f"{hostname} resolves to {address!r}, which is not an IP address") from err
    if not allowed(ip):
        where = str(ip) if hostname == address else f"{hostname} resolves to {ip}, which"
        raise RefusedConnection(f"{where} is a private or reserved address")


class GuardedResolver(AbstractResolver):
    """Wraps a resolver and refuses names with any disallowed address, so DNS rebinding cannot slip past."""

    def __init__(self, inner: AbstractResolver, allowed: AddressPolicy) -> None:
        self._inner = inner
        self._allowed = allowed

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        for result in results:
            _require_allowed(result["host"], self._allowed, hostname=host)
        return results

    async def close(self) -> None:
        await self._inner.close()


def guarded_socket_factory(allowed: AddressPolicy) -> Callable[[AddrInfo], socket.socket]:
    """Make sockets only for allowed addresses: the last check, on the exact address about to be connected."""

    def make_socket(addr_info: AddrInfo) -> socket.socket:
        family, type_, proto, _, sockaddr = addr_info
        _require_allowed(sockaddr[0], allowed, hostname=sockaddr[0])
        return socket.socket(family=family, type=type_, proto=proto)

    return make_socket


@dataclass(frozen=True)
class _Redirect:
    """A 3xx answer with a Location, still to be resolved against the URL that sent it."""

    location: str


@dataclass(frozen=True)
class _Answer:
    """One 200 response: the URL that gave it (after redirects), its media type and body."""

    url: str
    content_type: str
    body: bytes


@dataclass(frozen=True)
class PostAnswer:
    """The status of a POST, and its Retry-After if the server sent one."""

    status: int
    retry_after: str | None


class Fetcher:
    """Safe GETs to other servers."""

    def __init__(
        self,
        *,
        allow_private_addresses: bool,
        allow_http: bool,
        user_agent: str,
        sign: GetSigner | None = None,
        max_bytes: int = 1024 * 1024,
        connect_timeout: float = 5,
        total_timeout: float = 15,
        max_redirects: int = 3,
        address_allowed: AddressPolicy | None = None,
        resolver: AbstractResolver | None = None,
    ) -> None:
        """`address_allowed` replaces the address policy and `resolver` the DNS resolver (both for tests)."""
        if address_allowed is None:
            address_allowed = allow_any_address if allow_private_addresses else is_public_address
        self._allowed = address_allowed
        self.allow_http = allow_http  # read by remote_actors: WebFinger over http only where this allows it
        self._user_agent = user_agent
        self._sign = sign
        self._max_bytes = max_bytes
        self._connect_timeout = connect_timeout
        self._total_timeout = total_timeout
        self._max_redirects = max_redirects
        self._resolver = resolver
        self._guarded_resolver: GuardedResolver | None = None
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._guarded_resolver = GuardedResolver(self._resolver or DefaultResolver(), self._allowed)
        connector = aiohttp.TCPConnector(
            resolver=self._guarded_resolver, socket_factory=guarded_socket_factory(self._allowed)
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=self._total_timeout, sock_connect=self._connect_timeout),
            cookie_jar=aiohttp.DummyCookieJar(),  # no state carried from one server to another
            trust_env=False,  # no proxy from the environment: it would connect for us, unchecked
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._guarded_resolver is not None:
            await self._guarded_resolver.close()  # the connector does not close a resolver it was given
            self._guarded_resolver = None

    async def __aenter__(self) -> Fetcher:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def get_json(
        self, url: str, *, accept: str = AP_ACCEPT, signed: bool = True, check_id: bool = True
    ) -> dict[str, Any]:
        """GET an ActivityPub document; its `id` must be the URL that served it (JsonLdHelper)."""
        answer = await self._fetch(url, accept=accept, signed=signed)
        if answer.content_type not in _json_media_types(accept):
            raise _refused(answer.url, f"the content type {answer.content_type!r} is not ActivityPub JSON", FetchError)
        document = _parse_object(answer)
        if check_id and document.get("id") != answer.url:
            raise _refused(
                answer.url, f"the document's id {document.get('id')!r} is not the URL it came from", FetchError
            )
        return document

    async def get_media(self, url: str, *, max_bytes: int) -> tuple[str, bytes]:
        """GET a media file, unsigned (as Mastodon fetches them), refused past `max_bytes`: its type and bytes."""
        answer = await self._fetch(url, accept="*/*", signed=False, max_bytes=max_bytes)
        return answer.content_type, answer.body

    async def get_jrd(self, url: str) -> dict[str, Any]:
        """GET a WebFinger JRD, unsigned (docs.joinmastodon.org/spec/webfinger)."""
        # No media type check: servers label JRD variously, and a body that is not a JSON object fails below.
        return _parse_object(await self._fetch(url, accept=JRD_ACCEPT, signed=False))

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> PostAnswer:
        """POST `body` unsigned, redirects not followed (Web Push to a push service, RFC 8030 5)."""
        self._check_hop(url, None)
        if self._session is None:
            raise RuntimeError("Fetcher.start() must be awaited before posting")
        try:
            async with asyncio.timeout(self._total_timeout):
                async with self._session.post(
                    url, data=body, headers={**headers, "User-Agent": self._user_agent}, allow_redirects=False
                ) as response:
                    await response.content.read(CHUNK_BYTES)  # a bounded look: the answer is not used
                    return PostAnswer(response.status, response.headers.get("Retry-After"))
        except TimeoutError as err:
            raise FetchError(f"Could not post to {url}: no answer within {self._total_timeout:g} s.") from err
        except aiohttp.ClientConnectorError as err:
            if isinstance(err.os_error, RefusedConnection):
                raise _refused(url, str(err.os_error)) from err
            raise FetchError(f"Could not post to {url}: cannot connect ({err.os_error}).") from err
        except aiohttp.ClientError as err:
            raise FetchError(f"Could not post to {url}: {err.__class__.__name__} {err}.") from err

    async def _fetch(self, url: str, *, accept: str, signed: bool, max_bytes: int | None = None) -> _Answer:
        """GET `url`, following at most `max_redirects` redirects, each hop checked again."""
        try:
            async with asyncio.timeout(self._total_timeout):
                return await self._follow_redirects(url, accept=accept, signed=signed, max_bytes=max_bytes)
        except TimeoutError as err:
            raise FetchError(f"Could not fetch {url}: no complete answer within {self._total_timeout:g} s.") from err

    async def _follow_redirects(self, url: str, *, accept: str, signed: bool, max_bytes: int | None) -> _Answer:
        hop, previous = url, None
        for _ in range(self._max_redirects + 1):
            self._check_hop(hop, previous)
            answer = await self._get_once(hop, accept=accept, signed=signed, max_bytes=max_bytes)
            if isinstance(answer, _Answer):
                return answer
            previous, hop = hop, urljoin(hop, answer.location)
        raise _refused(url, f"more than {self._max_redirects} redirects", FetchError)

    def _check_hop(self, url: str, previous: str | None) -> None:
        try:
            check_url(url, allow_http=self.allow_http, previous=previous)
            check_literal_host(url, self._allowed)
        except UnsafeAddress as err:
            raise _refused(url, str(err)) from err

    async def _get_once(self, url: str, *, accept: str, signed: bool, max_bytes: int | None) -> _Answer | _Redirect:
        """One GET without following redirects."""
        if self._session is None:
            raise RuntimeError("Fetcher.start() must be awaited before fetching")
        try:
            async with self._session.get(
                url, headers=self._headers(url, accept, signed), allow_redirects=False
            ) as response:
                location = response.headers.get("Location")
                if response.status in REDIRECT_STATUSES and location:
                    return _Redirect(location)
                _check_status(url, response.status)
                body = await self._read_capped(url, response, max_bytes or self._max_bytes)
                return _Answer(url, response.content_type, body)
        # What went wrong is said in terms of the URL; what its name resolved to and the socket's words go to
        # the log only, since the message may reach whoever sent the URL (an unsigned inbox POST, a search).
        except aiohttp.ServerTimeoutError as err:
            raise _failed(url, "no answer in time", err) from err
        except aiohttp.ClientConnectorError as err:
            if isinstance(err.os_error, RefusedConnection):
                raise _refused(url, "its host is not a public address", detail=str(err.os_error)) from err
            raise _failed(url, "cannot connect to its server", err.os_error) from err
        except aiohttp.ClientError as err:
            raise _failed(url, "the connection failed", err) from err

    def _headers(self, url: str, accept: str, signed: bool) -> dict[str, str]:
        headers = {"Accept": accept, "User-Agent": self._user_agent}
        if signed and self._sign is not None:
            headers.update(self._sign("GET", url, dict(headers)))
        return headers

    async def _read_capped(self, url: str, response: aiohttp.ClientResponse, max_bytes: int) -> bytes:
        """Read the body, giving up as soon as it passes `max_bytes` (Mastodon's Request#body_with_limit)."""
        too_large = f"response larger than {_format_size(max_bytes)}"
        if response.content_length is not None and response.content_length > max_bytes:
            raise _refused(url, too_large, ResponseTooLarge)
        body = bytearray()
        async for chunk in response.content.iter_chunked(CHUNK_BYTES):
            body += chunk
            if len(body) > max_bytes:
                raise _refused(url, too_large, ResponseTooLarge)
        return bytes(body)


def _refused(url: str, reason: str, error: type[FetchError] = UnsafeAddress, *, detail: str = "") -> FetchError:
    """Log a refusal (with `detail`, which stays in the log) and build the error: the URL and the reason."""
    log.info("Refused to fetch %s: %s", url, detail or reason)
    return error(f"Refused to fetch {url}: {reason}.")


def _failed(url: str, reason: str, cause: BaseException) -> FetchError:
    """Log a failed fetch with its cause and build the error, which names only the URL and the reason."""
    log.info("Could not fetch %s: %s (%s: %s)", url, reason, cause.__class__.__name__, cause)
    return FetchError(f"Could not fetch {url}: {reason}.")


def _check_status(url: str, status: int) -> None:
    if status == 200:
        return
    error = {404: RemoteNotFound, 410: RemoteGone}.get(status, RemoteStatusError)
    raise error(f"Could not fetch {url}: the server answered {status}.", status)


def _json_media_types(accept: str) -> frozenset[str]:
    """The media types a JSON answer to `accept` may have: AP types, plus application/json when asked."""
    asked = {part.split(";")[0].strip().lower() for part in accept.split(",")}
    return AP_MEDIA_TYPES | ({"application/json"} & asked)


def _parse_object(answer: _Answer) -> dict[str, Any]:
    try:
        document = json.loads(answer.body)
    except (ValueError, RecursionError) as err:
        raise FetchError(f"Could not fetch {answer.url}: the body is not valid JSON.") from err
    if not isinstance(document, dict):
        raise FetchError(f"Could not fetch {answer.url}: the JSON is a {type(document).__name__}, not an object.")
    return document


def _format_size(size: int) -> str:
    for unit, scale in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size} bytes"
