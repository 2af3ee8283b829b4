"""What draft-cavage and RFC 9421 share: the parsed-request type, keys, digests, the time window, header helpers.

Pure: no network, no database. Every failure is a `SignatureError` (401). Parsed keys are cached by their PEM
text, because this is the hot path of the inbox and of delivery.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import formatdate

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from fedaid.errors import SignatureError

CAVAGE = "draft-cavage"
RFC9421 = "rfc9421"
PKCS1 = padding.PKCS1v15()
SHA256 = hashes.SHA256()
_DEFAULT_PORTS = {"http": "80", "https": "443"}


@dataclass(frozen=True)
class SignedRequest:
    """What `read_signature` found: enough to verify once the caller has the key for `key_id`."""

    key_id: str
    algorithm: str
    covered: tuple[str, ...]
    candidates: tuple[bytes, ...]  # signing strings that may have been signed; one must verify
    signature: bytes
    created_at: datetime
    expires_at: datetime | None = None
    scheme: str = CAVAGE


# --- keys -------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def load_private_key(pem: str) -> RSAPrivateKey:
    """Parse an RSA private key PEM (PKCS#8 or PKCS#1) once; later calls hit the cache."""
    try:
        key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    except (ValueError, TypeError, UnicodeEncodeError, UnsupportedAlgorithm) as err:
        raise SignatureError("The private key is not a readable unencrypted PEM key.") from err
    if not isinstance(key, RSAPrivateKey):
        raise SignatureError("The private key is not an RSA key; only RSA keys can sign for the fediverse.")
    return key


@functools.lru_cache(maxsize=4096)
def load_public_key(pem: str) -> RSAPublicKey:
    """Parse an RSA public key PEM (SPKI or PKCS#1) once; later calls hit the cache."""
    try:
        key = serialization.load_pem_public_key(pem.strip().encode("ascii"))
    except (ValueError, TypeError, UnicodeEncodeError, UnsupportedAlgorithm) as err:
        raise SignatureError("The signer's public key is not a readable PEM key.") from err
    if not isinstance(key, RSAPublicKey):
        raise SignatureError("The signer's public key is not an RSA key; only RSA signatures are accepted.")
    return key


def body_digest(body: bytes) -> str:
    """The `Digest` header value for `body`: `SHA-256=<base64>`."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def http_date(moment: datetime) -> str:
    """An RFC 7231 IMF-fixdate such as `Sat, 25 Jan 2025 23:43:24 GMT` (locale-independent)."""
    return formatdate(as_utc(moment).timestamp(), usegmt=True)


# --- checks and helpers -----------------------------------------------------------------------


def check_time_window(signed: SignedRequest, now: datetime, skew: timedelta) -> None:
    """Refuse a request signed more than `skew` away from now, or expired more than `skew` ago.

    The same ±1 h default as Mastodon's clock-skew margin (mastodon/mastodon app/lib/signed_request.rb,
    `CLOCK_SKEW_MARGIN`).
    """
    now = as_utc(now)
    if signed.created_at > now + skew:
        raise SignatureError("The request is signed with a time in the future; check the sender's clock.")
    if signed.created_at < now - skew:
        raise SignatureError("The request was signed too long ago; sign it again with a fresh Date.")
    if signed.expires_at is not None and signed.expires_at < now - skew:
        raise SignatureError("The signature has expired.")


def lower_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers by lowercase name; repeated fields are joined with `, ` as both specs require."""
    lower: dict[str, str] = {}
    for name, value in headers.items():
        name, value = name.lower(), value.strip()
        lower[name] = f"{lower[name]}, {value}" if name in lower else value
    return lower


def authority(scheme: str, netloc: str) -> str:
    """`host[:port]` in lowercase, without user info or the scheme's default port."""
    host = netloc.rpartition("@")[2].lower()
    default = _DEFAULT_PORTS.get(scheme.lower())
    if default and host.endswith(":" + default):
        host = host[: -len(default) - 1]
    return host


def request_target(path: str, query: str) -> str:
    """The request target: path (at least `/`) and `?query` when there is one."""
    return (path or "/") + (f"?{query}" if query else "")


def b64decode(value: str, what: str) -> bytes:
    """Strict base64, or SignatureError naming what was being decoded."""
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError) as err:
        raise SignatureError(f"The {what} is not valid base64.") from err


def from_timestamp(value: object, what: str) -> datetime:
    """A UTC datetime from a Unix timestamp given as int or decimal string."""
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError, OSError) as err:
        raise SignatureError(f"The {what} time is not a valid Unix timestamp.") from err


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; naive ones are taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
