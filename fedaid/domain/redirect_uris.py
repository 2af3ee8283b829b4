"""Where an OAuth app may receive its codes: the redirect URIs Mastodon accepts, and the schemes it refuses."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from fedaid.errors import InvalidInput

OOB_REDIRECT = "urn:ietf:wg:oauth:2.0:oob"
# Mastodon refuses these schemes for redirect URIs (config/initializers/doorkeeper.rb, forbid_redirect_uri);
# file, blob, filesystem and about name nothing an app can receive either.
FORBIDDEN_REDIRECT_SCHEMES = frozenset({"javascript", "data", "vbscript", "file", "blob", "filesystem", "about"})
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*")
_WHITESPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
MAX_REDIRECT_URI_LENGTH = 1000


def parse_redirect_uris(redirect_uris: str | list[str] | None) -> list[str]:
    """Redirect URIs, one per line or as a list, each checked by `redirect_uri_problem`."""
    if isinstance(redirect_uris, str):
        redirect_uris = redirect_uris.split()
    uris = [uri.strip() for uri in redirect_uris or [] if isinstance(uri, str) and uri.strip()]
    if not uris:
        raise InvalidInput("Validation failed: Redirect URI must be an absolute URI.")
    for uri in uris:
        problem = redirect_uri_problem(uri)
        if problem:
            raise InvalidInput(f"Validation failed: Redirect URI {problem} ({uri[:100]!r}).")
    return list(dict.fromkeys(uris))


def redirect_uri_problem(uri: str) -> str | None:
    """What makes `uri` unfit to receive codes, or None: https, http to this machine (loopback), the
    out-of-band URN, or an app's own scheme (`com.example.app:/cb`), as Mastodon allows; never a scheme a
    browser would run or read itself (`javascript:`, `data:`, `vbscript:`...)."""
    if uri == OOB_REDIRECT:
        return None
    if len(uri) > MAX_REDIRECT_URI_LENGTH:
        return "is too long"
    if _WHITESPACE_OR_CONTROL.search(uri):
        return "must not contain spaces or control characters"
    scheme, colon, rest = uri.partition(":")
    scheme = scheme.lower()
    if not colon or not _SCHEME.fullmatch(scheme) or not rest:
        return "must be an absolute URI"
    if scheme in FORBIDDEN_REDIRECT_SCHEMES:
        return f"must not use the {scheme}: scheme"
    parts = urlsplit(uri)
    if parts.fragment or "#" in uri:
        return "must not contain a fragment"
    if scheme in ("http", "https"):
        if not rest.startswith("//") or not parts.hostname:
            return "must name a host"
        if parts.username is not None or parts.password is not None:
            return "must not contain credentials"
        if scheme == "http" and not _is_loopback(parts.hostname):
            return "must use https (http is for this machine only: localhost, 127.0.0.1, [::1])"
    return None


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
