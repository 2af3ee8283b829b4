"""`user@host` addresses and the WebFinger answers that name them: parsing an acct, the acct host of a URL,
the actor a JRD's self link names, and its canonical subject."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from fedaid.activitypub.parse import JSONDict, is_http_url
from fedaid.errors import FetchError, InvalidInput, NotFound
from fedaid.federation.fetch import AP_MEDIA_TYPES

Acct = tuple[str, str]  # (username, host[:port])
_DEFAULT_PORTS = {"http": 80, "https": 443}
_ACCT = re.compile(r"([^\s@/?#]+)@([^\s@/?#]+)")


def parse_acct(text: str) -> Acct:
    """`user@host`, `@user@host` or `acct:user@host` as (user, host); host is lowercased, port kept."""
    value = text.strip()
    if value[:5].lower() == "acct:":
        value = value[5:]
    elif value.startswith("@"):
        value = value[1:]
    match = _ACCT.fullmatch(value)
    if match is None or not _is_valid_host(match[2]):
        raise InvalidInput(f"{text!r} is not an address like name@example.org.")
    return match[1], match[2].lower()


def domain_of(url: str) -> str:
    """How `acct:` names the server of `url`: host[:port], lowercased, without the default port."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port is None or parts.port == _DEFAULT_PORTS.get(parts.scheme):
        return host
    return f"{host}:{parts.port}"


def self_link(jrd: JSONDict, acct: str) -> str:
    """The actor id in a WebFinger answer: its one `self` link of an ActivityPub type (mastodon/mastodon#18741)."""
    links = jrd.get("links")
    hrefs = {
        link["href"]
        for link in (links if isinstance(links, list) else [])
        if isinstance(link, dict)
        and link.get("rel") == "self"
        and is_ap_type(link.get("type"))
        and is_http_url(link.get("href"))
    }
    if not hrefs:
        raise NotFound(f"WebFinger for {acct} names no ActivityPub actor.")
    if len(hrefs) > 1:
        # Several self links confused Mastodon too (mastodon/mastodon#18741); guessing could pick an impostor.
        raise FetchError(f"WebFinger for {acct} names several ActivityPub actors; refusing to guess.")
    return hrefs.pop()


def subject_of(jrd: JSONDict) -> Acct | None:
    """The acct a JRD says is canonical; None when absent or not an acct: URI."""
    subject = jrd.get("subject")
    if not isinstance(subject, str) or not subject.lower().startswith("acct:"):
        return None
    try:
        return parse_acct(subject)
    except InvalidInput:
        return None


def same_acct(a: Acct, b: Acct) -> bool:
    return a[0].lower() == b[0].lower() and a[1].lower() == b[1].lower()


def acct_text(acct: Acct) -> str:
    return f"{acct[0]}@{acct[1]}"


def is_ap_type(value: Any) -> bool:
    """application/activity+json, or application/ld+json with or without the AS profile (Mitra)."""
    return isinstance(value, str) and value.split(";")[0].strip().lower() in AP_MEDIA_TYPES


def _is_valid_host(host: str) -> bool:
    try:
        parts = urlsplit(f"//{host}")
        _ = parts.port  # raises ValueError on a bad port
    except ValueError:
        return False
    return bool(parts.hostname) and parts.netloc == host
