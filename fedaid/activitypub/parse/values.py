"""Helpers for reading AS2 values: ids and lists in every shape peers send, URLs and origins, addressing.

Values may come in every shape peers send: a scalar or a list, an id string or an embedded object
(ActivityStreams 2.0 Core, section 4: properties are functional or not, and any may hold a Link or an id).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Literal, TypeAlias, TypeGuard
from urllib.parse import urlsplit

from fedaid.activitypub.sanitize import sanitize_html, sanitize_text
from fedaid.activitypub.vocab import PUBLIC, PUBLIC_ADDRESSES
from fedaid.errors import InvalidActivity

JSONDict: TypeAlias = dict[str, Any]
Visibility: TypeAlias = Literal["public", "unlisted", "followers", "direct"]

MAX_URL_LENGTH = 2048
MAX_ADDRESSEES = 1000

_DEFAULT_PORTS = {"http": 80, "https": 443}
_URL_FORBIDDEN = re.compile(r"[\s\x00-\x1f\x7f]")  # whitespace (Unicode too) and control characters
# The usual URL, read without urlsplit: http(s), an ASCII host name and maybe a port, then the path.
_PLAIN_HTTP_URL = re.compile(r"(https?)://([a-z0-9][a-z0-9.-]*)(?::([0-9]{1,5}))?(?=[/?#]|\Z)", re.IGNORECASE)


def as_list(value: Any) -> list[Any]:
    """A property as a list, whether it was absent, a single value or already a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def id_of(value: Any) -> str | None:
    """The id of a reference: the string itself, an embedded object's id, or the first of a list."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def first_url(value: Any) -> str | None:
    """The address in a `url`/`icon` value: a string, a Link, an Image, or a list of them.

    Like Mastodon's url_to_href, a text/html Link wins among several.
    """
    candidates = as_list(value)
    html = [c for c in candidates if isinstance(c, dict) and c.get("mediaType") == "text/html"]
    for candidate in html + candidates:
        if (url := _url_in(candidate, nested=True)) is not None:
            return url
    return None


def _url_in(value: Any, *, nested: bool) -> str | None:
    if isinstance(value, str):
        return value or None
    if not isinstance(value, dict):
        return None
    if isinstance(href := value.get("href"), str) and href:
        return href
    inner = value.get("url")
    if nested:  # an Image whose url is itself a Link or a list of them
        return next((u for item in as_list(inner) if (u := _url_in(item, nested=False))), None)
    return inner if isinstance(inner, str) and inner else None


def is_public(address: Any) -> bool:
    return isinstance(address, str) and address in PUBLIC_ADDRESSES


def is_http_url(value: Any) -> TypeGuard[str]:
    """An absolute http(s) URL with a host, no credentials, no spaces, of sane length."""
    return isinstance(value, str) and len(value) <= MAX_URL_LENGTH and _url_facts(value)[1]


def host_of(url: Any) -> str | None:
    origin = _origin(url)
    return origin[1] if origin else None


def same_origin(a: Any, b: Any) -> bool:
    """Same scheme, host and port: the boundary inside which one server may speak (FEP-fe34)."""
    origin = _origin(a)
    return origin is not None and origin == _origin(b)


def _origin(url: Any) -> tuple[str, str, int] | None:
    return _url_facts(url)[0] if isinstance(url, str) else None


@functools.lru_cache(maxsize=8192)
def _url_facts(url: str) -> tuple[tuple[str, str, int] | None, bool]:
    """The URL's origin (None unless http(s) with a host), and whether it is a clean http(s) URL:
    no credentials, spaces or control characters. One parse per URL, cached: the inbox asks about
    the same actor and addressee URLs in every activity, and about each id several times."""
    if (plain := _PLAIN_HTTP_URL.match(url)) and _URL_FORBIDDEN.search(url) is None:
        scheme, host, port = plain[1].lower(), plain[2].lower().rstrip("."), plain[3]
        if port is None or int(port) <= 65535:
            return (scheme, host, _DEFAULT_PORTS[scheme] if port is None else int(port)), True
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None, False
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None, False
    origin = (scheme, parts.hostname.rstrip("."), _DEFAULT_PORTS[scheme] if port is None else port)
    return origin, "@" not in parts.netloc and _URL_FORBIDDEN.search(url) is None


def visibility_of(to: Iterable[str], cc: Iterable[str], followers_url: str | None) -> Visibility:
    """Mastodon's reading of an addressing (status_parser.rb, Mastodon's ActivityPub::Parser::StatusParser#visibility).

    Followers-only needs the author's followers URL in `to`; unknown followers read as direct.
    """
    to, cc = list(to), list(cc)
    if any(is_public(address) for address in to):
        return "public"
    if any(is_public(address) for address in cc):
        return "unlisted"
    if followers_url is not None and followers_url in to:
        return "followers"
    return "direct"


def type_names(value: Any) -> tuple[str, ...]:
    return tuple(name for name in as_list(value) if isinstance(name, str) and name)


def datetime_of(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def required_url(value: Any, what: str) -> str:
    """An id given as a string (or a reference, via id_of) that must be an http(s) URL."""
    found = id_of(value)
    if found is None:
        raise InvalidActivity(f"{what} is missing")
    if not is_http_url(found):
        raise InvalidActivity(f"{what} is not an http(s) URL")
    return found


def own_id(doc: JSONDict, what: str) -> str:
    """The document's own `id`, which must be a string http(s) URL."""
    value = doc.get("id")
    if value is None or value == "":
        raise InvalidActivity(f"{what} is missing")
    if not is_http_url(value):
        raise InvalidActivity(f"{what} is not an http(s) URL")
    return value


def optional_url(value: Any) -> str | None:
    return value if is_http_url(value) else None


def addresses(value: Any) -> tuple[str, ...]:
    """Each address once, in order; the public collection in its one spelling. Parsed for every
    inbox POST, so plain strings, the usual shape, skip id_of."""
    found: dict[str, None] = {}
    for entry in as_list(value):
        if address := entry if isinstance(entry, str) else id_of(entry):
            found[PUBLIC if address in PUBLIC_ADDRESSES else address] = None
    return tuple(found)


def audience_of(doc: JSONDict) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    to, cc, audience = addresses(doc.get("to")), addresses(doc.get("cc")), addresses(doc.get("audience"))
    if (count := len(to) + len(cc) + len(audience)) > MAX_ADDRESSEES:
        raise InvalidActivity(f"too many recipients ({count}, at most {MAX_ADDRESSEES})")
    return to, cc, audience


def require_dict(doc: Any, what: str) -> None:
    if not isinstance(doc, dict):
        raise InvalidActivity(f"{what} must be a JSON object")


def plain(value: Any) -> str:
    return sanitize_text(value) if isinstance(value, str) else ""


def html_of(value: Any) -> str:
    return sanitize_html(value) if isinstance(value, str) else ""


# ---------------------------------------------------------------- activities
