"""HTTP signatures: sign outbound requests (draft-cavage) and read inbound ones (draft-cavage or RFC 9421).

Pure: no network, no database, no aiohttp server code. Every failure is a `SignatureError` (401).
`cavage` signs and reads draft-cavage, `rfc9421` reads RFC 9421, `shared` holds what both use.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidSignature

from fedaid.clock import utcnow
from fedaid.errors import SignatureError
from fedaid.federation.signatures.cavage import (
    DEFAULT_CONTENT_TYPE,
    GET_HEADERS,
    POST_HEADERS,
    cavage_signing_string,
    read_cavage,
    request_target_of,
    sign_post,
    sign_request,
    signature_header,
)
from fedaid.federation.signatures.rfc9421 import read_rfc9421
from fedaid.federation.signatures.shared import (
    CAVAGE,
    PKCS1,
    RFC9421,
    SHA256,
    SignedRequest,
    body_digest,
    check_time_window,
    http_date,
    load_private_key,
    load_public_key,
    lower_headers,
)

__all__ = [
    "CAVAGE",
    "DEFAULT_CONTENT_TYPE",
    "GET_HEADERS",
    "POST_HEADERS",
    "RFC9421",
    "SignedRequest",
    "body_digest",
    "cavage_signing_string",
    "http_date",
    "load_private_key",
    "load_public_key",
    "read_signature",
    "request_target_of",
    "sign_post",
    "sign_request",
    "signature_header",
    "verify_signature",
]


def read_signature(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    *,
    now: datetime | None = None,
    max_skew: timedelta = timedelta(hours=1),
) -> SignedRequest:
    """Check an inbound request's signature header, what it covers, its time window and body digest; no key yet.

    `url` is the full URL the request was made to, with the path exactly as received (e.g. built from
    aiohttp's `request.raw_path`); `body` is None for requests without one (GET).
    """
    lower = lower_headers(headers)
    if "signature-input" in lower:
        signed = read_rfc9421(method, url, lower, body)
    else:
        signed = read_cavage(method, url, lower, body)
    check_time_window(signed, now or utcnow(), max_skew)
    return signed


def verify_signature(signed: SignedRequest, public_key_pem: str) -> None:
    """Raise SignatureError unless one of the candidate signing strings verifies with the key."""
    key = load_public_key(public_key_pem)
    for candidate in signed.candidates:
        try:
            key.verify(signed.signature, candidate, PKCS1, SHA256)
            return
        except InvalidSignature:
            continue
    raise SignatureError(f"The signature does not verify with the public key of {signed.key_id}.")
