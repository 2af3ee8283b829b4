"""How fedaid names other servers: `host[:port]` of a URL, and the names a domain policy may use for a host.

Pure functions, shared by receiving (the inbox, object GETs), sending (deliveries), the timelines' silenced
filter and the streaming API, so a policy covers the same hosts whichever way a message goes.
"""

from __future__ import annotations

import functools
from ipaddress import ip_address
from urllib.parse import urlsplit


@functools.lru_cache(maxsize=8192)
def host_of_url(url: str) -> str:
    """`host[:port]` of a URL, lowercase, as policies, `DomainHealth` and `Delivery.host` name servers."""
    try:
        return urlsplit(url).netloc.rpartition("@")[2].lower()
    except ValueError:
        return ""


@functools.lru_cache(maxsize=4096)
def domain_names(host: str) -> tuple[str, ...]:
    """The names a policy may use for `host`: itself, without its port, and each parent domain up to the top
    level (`a.b.example:8080` → that, `a.b.example`, `b.example`, `example`), as Mastodon's
    `DomainBlock.rule_for` matches (mastodon/mastodon, app/models/domain_block.rb). An IP address has no parents.
    """
    host = host.lower().rstrip(".")
    hostname = urlsplit(f"//{host}").hostname or host
    try:
        ip_address(hostname)
        return tuple(dict.fromkeys((host, hostname)))
    except ValueError:
        labels = hostname.split(".")
        return tuple(dict.fromkeys([host] + [".".join(labels[i:]) for i in range(len(labels))]))
