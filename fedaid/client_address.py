"""Which address a request comes from: the one function rate limits and logs ask.

Behind a reverse proxy every request comes from the proxy, which names the client in `X-Forwarded-For`. That
header is believed only when the peer is one of `Settings.trusted_proxies`: anyone else could write any address
in it. The list is read from the right (nginx appends the address it saw), skipping trusted proxies.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

from aiohttp import web

from fedaid.appkeys import SETTINGS

_ADDRESS = web.RequestKey("client_address", str)
Networks = tuple[IPv4Network | IPv6Network, ...]


def client_address(request: web.Request) -> str:
    """The client's IP address as text (looked up once per request); `unknown` when the peer has none."""
    if _ADDRESS in request:
        return request[_ADDRESS]
    forwarded = ",".join(request.headers.getall("X-Forwarded-For", []))
    address = address_of(request.remote or "", forwarded, request.app[SETTINGS].trusted_proxy_networks)
    request[_ADDRESS] = address
    return address


def address_of(peer: str, forwarded_for: str, trusted: Networks) -> str:
    """The client's address, given the TCP peer, the X-Forwarded-For header (may be empty) and the trusted proxies."""
    current = _parse(peer)
    if current is None:
        return peer or "unknown"
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    while _is_trusted(current, trusted) and hops:
        previous = _parse(hops.pop())
        if previous is None:
            break  # not an address: keep the last one a trusted proxy vouched for
        current = previous
    return str(current)


def _parse(text: str) -> IPv4Address | IPv6Address | None:
    try:
        address = ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted(address: IPv4Address | IPv6Address, trusted: Networks) -> bool:
    return any(address in network for network in trusted)
