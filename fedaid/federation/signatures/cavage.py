"""draft-cavage-http-signatures-12: sign outbound requests the way Mastodon does, and read inbound ones.

A signature must cover `(request-target)`, `host`, and `date` or `(created)`, plus `digest` when there is a
body, so it cannot be replayed to another path, host or time (a GET signed over `host date` alone could be
sent again to any other path of the same server).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from fedaid.clock import utcnow
from fedaid.errors import SignatureError
from fedaid.federation.signatures.shared import (
    CAVAGE,
    PKCS1,
    SHA256,
    SignedRequest,
    as_utc,
    authority,
    b64decode,
    body_digest,
    from_timestamp,
    http_date,
    load_private_key,
    lower_headers,
    request_target,
)

DEFAULT_CONTENT_TYPE = "application/activity+json"
POST_HEADERS = ("(request-target)", "host", "date", "digest", "content-type")
GET_HEADERS = ("(request-target)", "host", "date")

_ALGORITHMS = frozenset({"rsa-sha256", "hs2019"})
_PARAM = re.compile(r'\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"([^"]*)"|(\d+(?:\.\d+)?))\s*(?:,|\Z)')


# --- signing ------------------------------------------------------------------------------------


def sign_request(
    method: str,
    url: str,
    *,
    key_id: str,
    private_key_pem: str,
    body: bytes | None = None,
    content_type: str | None = None,
    accept: str | None = None,
    now: datetime | None = None,
) -> dict[str, str]:
    """The headers to send with a request, signed the way Mastodon signs (draft-cavage, rsa-sha256).

    With a body: Host, Date, Digest, Content-Type (default application/activity+json), Signature.
    Without: Host, Date, Accept (if given), Signature.
    """
    parts = urlsplit(url)
    headers = {"Host": authority(parts.scheme, parts.netloc), "Date": http_date(now or utcnow())}
    if body is not None:
        headers["Digest"] = body_digest(body)
        headers["Content-Type"] = content_type or DEFAULT_CONTENT_TYPE
        covered: tuple[str, ...] = POST_HEADERS
    else:
        covered = GET_HEADERS + (("accept",) if accept is not None else ())
        if accept is not None:
            headers["Accept"] = accept
    target = request_target(parts.path, parts.query)
    headers["Signature"] = signature_header(
        method, target, headers, covered, key_id=key_id, private_key_pem=private_key_pem
    )
    return headers


def sign_post(target: str, host: str, digest: str, date: str, *, key_id: str, private_key_pem: str) -> dict[str, str]:
    """`sign_request`'s POST headers from pieces computed once: delivery fans one body out to many inboxes.

    `target` is the path with its query, `host` the Host header, `digest` the body's `body_digest`.
    """
    headers = {"Host": host, "Date": date, "Digest": digest, "Content-Type": DEFAULT_CONTENT_TYPE}
    headers["Signature"] = signature_header(
        "POST", target, headers, POST_HEADERS, key_id=key_id, private_key_pem=private_key_pem
    )
    return headers


def request_target_of(url: str) -> tuple[str, str]:
    """The Host header and the signed request target (path and query) of `url`."""
    parts = urlsplit(url)
    return authority(parts.scheme, parts.netloc), request_target(parts.path, parts.query)


def signature_header(
    method: str,
    target: str,
    headers: Mapping[str, str],
    covered: Sequence[str] | None,
    *,
    key_id: str,
    private_key_pem: str,
) -> str:
    """The draft-cavage `Signature` header value over `covered` (None: the draft's default, `date` only)."""
    string = cavage_signing_string(method, target, headers, covered or ("date",))
    signed = load_private_key(private_key_pem).sign(string, PKCS1, SHA256)
    fields = [f'keyId="{key_id}"', 'algorithm="rsa-sha256"']
    if covered is not None:
        fields.append(f'headers="{" ".join(covered)}"')
    fields.append(f'signature="{base64.b64encode(signed).decode("ascii")}"')
    return ",".join(fields)


def cavage_signing_string(
    method: str,
    target: str,
    headers: Mapping[str, str],
    covered: Iterable[str],
    params: Mapping[str, str] | None = None,
) -> bytes:
    """The draft-cavage signing string: one `name: value` line per covered header, joined by newlines.

    `target` is the path with its query, `params` the Signature parameters (for `(created)`/`(expires)`).
    """
    return _signing_string(method, target, lower_headers(headers), covered, params or {})


def _signing_string(
    method: str, target: str, lower: Mapping[str, str], covered: Iterable[str], params: Mapping[str, str]
) -> bytes:
    """`cavage_signing_string` over headers whose names are already lowercase."""
    lines = []
    for name in covered:
        name = name.lower()
        if name == "(request-target)":
            lines.append(f"(request-target): {method.lower()} {target}")
        elif name in ("(created)", "(expires)"):
            lines.append(f"{name}: {_pseudo_header(name, params)}")
        elif name in lower:
            lines.append(f"{name}: {lower[name]}")
        else:
            raise SignatureError(f"The signed header {name!r} is missing from the request.")
    return "\n".join(lines).encode("utf-8", "surrogateescape")


# --- reading ------------------------------------------------------------------------------------


def read_cavage(method: str, url: str, lower: Mapping[str, str], body: bytes | None) -> SignedRequest:
    """Parse a draft-cavage `Signature` (or `Authorization: Signature`) header and build its candidates."""
    params = _parse_params(_header_value(lower))
    algorithm = params.get("algorithm", "hs2019").lower()
    if algorithm not in _ALGORITHMS:
        raise SignatureError(f"Unsupported signature algorithm {algorithm!r}; use rsa-sha256 or hs2019.")
    covered = tuple(params.get("headers", "(created)" if algorithm == "hs2019" else "date").lower().split())
    check_coverage(covered, algorithm, body)
    if body is not None:
        _check_digest(lower.get("digest"), body)
    parts = urlsplit(url)
    if "host" not in lower:
        lower = {**lower, "host": authority(parts.scheme, parts.netloc)}
    # With and without the query: GoToSocial retries a refused GET without it (codeberg
    # superseriousbusiness/gotosocial#894) and Mastodon verifies both ways (app/lib/signed_request.rb).
    targets = [request_target(parts.path, parts.query)]
    if parts.query:
        targets.append(request_target(parts.path, ""))
    return SignedRequest(
        key_id=params["keyId"],
        algorithm=algorithm,
        covered=covered,
        candidates=tuple(_signing_string(method, target, lower, covered, params) for target in targets),
        signature=b64decode(params["signature"], "signature"),
        created_at=_created(params, lower, algorithm),
        expires_at=from_timestamp(params["expires"], "expires") if "expires" in params else None,
        scheme=CAVAGE,
    )


def _header_value(lower: Mapping[str, str]) -> str:
    """The parameter list from `Signature:` or from `Authorization: Signature ...`."""
    if "signature" in lower:
        return lower["signature"]
    scheme, _, rest = lower.get("authorization", "").partition(" ")
    if scheme.lower() == "signature" and rest.strip():
        return rest
    raise SignatureError("The request is not signed: it has no Signature header.")


def _parse_params(value: str) -> dict[str, str]:
    """`keyId="…",algorithm="…",headers="…",signature="…"` as a dict; malformed input is refused."""
    params: dict[str, str] = {}
    position = 0
    while position < len(value):
        match = _PARAM.match(value, position)
        if match is None:
            raise SignatureError(f"The Signature header is malformed near {value[position : position + 20]!r}.")
        name = match[1]
        if name in params:
            raise SignatureError(f"The Signature header repeats the {name!r} parameter.")
        params[name] = match[2] if match[2] is not None else match[3]
        position = match.end()
    for required in ("keyId", "signature"):
        if not params.get(required):
            raise SignatureError(f"The Signature header has no {required!r} parameter.")
    return params


def check_coverage(covered: tuple[str, ...], algorithm: str, body: bytes | None) -> None:
    """Refuse a signature that leaves out the request target, the host, the time, or the body's digest.

    Stricter than Mastodon, which takes `digest` in place of `(request-target)` (app/lib/signed_request.rb,
    `verify_signature_strength!`): a GET has no body for the digest to pin, so its signature must name the path.
    """
    if algorithm != "hs2019" and ("(created)" in covered or "(expires)" in covered):
        raise SignatureError(f"(created) and (expires) may only be signed with hs2019, not {algorithm}.")
    if "date" not in covered and "(created)" not in covered:
        raise SignatureError("The signature must cover the Date header or (created).")
    if "host" not in covered:
        raise SignatureError("The signature must cover the Host header.")
    if "(request-target)" not in covered:
        raise SignatureError("The signature must cover (request-target), so it holds for this path only.")
    if body is not None and "digest" not in covered:
        raise SignatureError("A signed POST must also sign the Digest header.")


def _check_digest(header: str | None, body: bytes) -> None:
    """The `Digest` header must carry a SHA-256 value that matches the body."""
    if header is None:
        raise SignatureError("The Digest header is missing.")
    offered = {}
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        offered[name.lower()] = value.strip()
    if "sha-256" not in offered:
        raise SignatureError(f"The Digest header has no SHA-256 value (offered: {', '.join(offered)}).")
    computed = hashlib.sha256(body).digest()
    if not hmac.compare_digest(b64decode(offered["sha-256"], "Digest SHA-256 value"), computed):
        raise SignatureError("The Digest header does not match the body.")


def _created(params: Mapping[str, str], lower: Mapping[str, str], algorithm: str) -> datetime:
    """When the request was signed: hs2019's `created` parameter, else the Date header."""
    if algorithm == "hs2019" and "created" in params:
        return from_timestamp(params["created"], "created")
    if "date" not in lower:
        raise SignatureError("The request has no Date header.")
    try:
        return as_utc(parsedate_to_datetime(lower["date"]))
    except (TypeError, ValueError, IndexError) as err:
        raise SignatureError("The Date header is not a valid HTTP date.") from err


def _pseudo_header(name: str, params: Mapping[str, str]) -> str:
    """The value of `(created)` or `(expires)`, taken from the Signature parameter of the same name."""
    value = params.get(name[1:-1])
    if value is None:
        raise SignatureError(f"{name} is signed but the Signature header has no {name[1:-1]!r} parameter.")
    return value
