"""HTTP signatures: sign outbound requests (draft-cavage) and read inbound ones (draft-cavage or RFC 9421).

Pure: no network, no database, no aiohttp server code. Every failure is a `SignatureError` (401).
Parsed keys are cached by their PEM text, because this is the hot path of the inbox and of delivery.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import formatdate, parsedate_to_datetime
from urllib.parse import urlsplit

import http_sfv
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from fedaid.errors import SignatureError

CAVAGE = "draft-cavage"
RFC9421 = "rfc9421"
DEFAULT_CONTENT_TYPE = "application/activity+json"
POST_HEADERS = ("(request-target)", "host", "date", "digest", "content-type")
GET_HEADERS = ("(request-target)", "host", "date")

_PKCS1 = padding.PKCS1v15()
_SHA256 = hashes.SHA256()
_CAVAGE_ALGORITHMS = frozenset({"rsa-sha256", "hs2019"})
_RFC9421_ALGORITHM = "rsa-v1_5-sha256"
_CONTENT_DIGESTS = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}
_DEFAULT_PORTS = {"http": "80", "https": "443"}
_CAVAGE_PARAM = re.compile(r'\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"([^"]*)"|(\d+(?:\.\d+)?))\s*(?:,|\Z)')


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


# --- signing (draft-cavage) -------------------------------------------------------------------


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
    headers = {"Host": _authority(parts.scheme, parts.netloc), "Date": http_date(now or _utcnow())}
    if body is not None:
        headers["Digest"] = body_digest(body)
        headers["Content-Type"] = content_type or DEFAULT_CONTENT_TYPE
        covered = POST_HEADERS
    else:
        covered = GET_HEADERS + (("accept",) if accept is not None else ())
        if accept is not None:
            headers["Accept"] = accept
    headers["Signature"] = signature_header(
        method, _target(parts.path, parts.query), headers, covered, key_id=key_id, private_key_pem=private_key_pem
    )
    return headers


def sign_post(
    request_target: str, host: str, digest: str, date: str, *, key_id: str, private_key_pem: str
) -> dict[str, str]:
    """`sign_request`'s POST headers from pieces computed once: delivery fans one body out to many inboxes.

    `request_target` is the path with its query, `host` the Host header, `digest` the body's `body_digest`.
    """
    headers = {"Host": host, "Date": date, "Digest": digest, "Content-Type": DEFAULT_CONTENT_TYPE}
    headers["Signature"] = signature_header(
        "POST", request_target, headers, POST_HEADERS, key_id=key_id, private_key_pem=private_key_pem
    )
    return headers


def request_target_of(url: str) -> tuple[str, str]:
    """The Host header and the signed request target (path and query) of `url`."""
    parts = urlsplit(url)
    return _authority(parts.scheme, parts.netloc), _target(parts.path, parts.query)


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
    signed = load_private_key(private_key_pem).sign(string, _PKCS1, _SHA256)
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
    return _signing_string(method, target, _lower_headers(headers), covered, params or {})


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


def http_date(moment: datetime) -> str:
    """An RFC 7231 IMF-fixdate such as `Sat, 25 Jan 2025 23:43:24 GMT` (locale-independent)."""
    return formatdate(_as_utc(moment).timestamp(), usegmt=True)


# --- reading ----------------------------------------------------------------------------------


def read_signature(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    *,
    now: datetime | None = None,
    max_skew: timedelta = timedelta(hours=1),
) -> SignedRequest:
    """Check an inbound request's signature header, time window and body digest; no key is needed yet.

    `url` is the full URL the request was made to, with the path exactly as received (e.g. built from
    aiohttp's `request.raw_path`); `body` is None for requests without one (GET).
    """
    lower = _lower_headers(headers)
    if "signature-input" in lower:
        signed = _read_rfc9421(method, url, lower, body)
    else:
        signed = _read_cavage(method, url, lower, body)
    _check_time_window(signed, now or _utcnow(), max_skew)
    return signed


def verify_signature(signed: SignedRequest, public_key_pem: str) -> None:
    """Raise SignatureError unless one of the candidate signing strings verifies with the key."""
    key = load_public_key(public_key_pem)
    for candidate in signed.candidates:
        try:
            key.verify(signed.signature, candidate, _PKCS1, _SHA256)
            return
        except InvalidSignature:
            continue
    raise SignatureError(f"The signature does not verify with the public key of {signed.key_id}.")


# --- draft-cavage -----------------------------------------------------------------------------


def _read_cavage(method: str, url: str, lower: Mapping[str, str], body: bytes | None) -> SignedRequest:
    """Parse a draft-cavage `Signature` (or `Authorization: Signature`) header and build its candidates."""
    params = _parse_cavage_params(_cavage_header_value(lower))
    algorithm = params.get("algorithm", "hs2019").lower()
    if algorithm not in _CAVAGE_ALGORITHMS:
        raise SignatureError(f"Unsupported signature algorithm {algorithm!r}; use rsa-sha256 or hs2019.")
    covered = tuple(params.get("headers", "(created)" if algorithm == "hs2019" else "date").lower().split())
    _check_cavage_coverage(covered, algorithm, body)
    if body is not None:
        _check_digest(lower.get("digest"), body)
    parts = urlsplit(url)
    if "host" not in lower:
        lower = {**lower, "host": _authority(parts.scheme, parts.netloc)}
    # With and without the query: GoToSocial retries without it, older Mastodon omitted it (INTEROP 34).
    targets = [_target(parts.path, parts.query)]
    if parts.query and "(request-target)" in covered:
        targets.append(_target(parts.path, ""))
    return SignedRequest(
        key_id=params["keyId"],
        algorithm=algorithm,
        covered=covered,
        candidates=tuple(_signing_string(method, target, lower, covered, params) for target in targets),
        signature=_b64decode(params["signature"], "signature"),
        created_at=_cavage_created(params, lower, algorithm),
        expires_at=_from_timestamp(params["expires"], "expires") if "expires" in params else None,
        scheme=CAVAGE,
    )


def _cavage_header_value(lower: Mapping[str, str]) -> str:
    """The parameter list from `Signature:` or from `Authorization: Signature ...`."""
    if "signature" in lower:
        return lower["signature"]
    scheme, _, rest = lower.get("authorization", "").partition(" ")
    if scheme.lower() == "signature" and rest.strip():
        return rest
    raise SignatureError("The request is not signed: it has no Signature header.")


def _parse_cavage_params(value: str) -> dict[str, str]:
    """`keyId="…",algorithm="…",headers="…",signature="…"` as a dict; malformed input is refused."""
    params: dict[str, str] = {}
    position = 0
    while position < len(value):
        match = _CAVAGE_PARAM.match(value, position)
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


def _check_cavage_coverage(covered: tuple[str, ...], algorithm: str, body: bytes | None) -> None:
    """Refuse signatures that leave out what Mastodon also requires to be signed."""
    if algorithm != "hs2019" and ("(created)" in covered or "(expires)" in covered):
        raise SignatureError(f"(created) and (expires) may only be signed with hs2019, not {algorithm}.")
    if "date" not in covered and "(created)" not in covered:
        raise SignatureError("The signature must cover the Date header or (created).")
    if "host" not in covered:
        raise SignatureError("The signature must cover the Host header.")
    if "(request-target)" not in covered and "digest" not in covered:
        raise SignatureError("The signature must cover (request-target).")
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
    if not hmac.compare_digest(_b64decode(offered["sha-256"], "Digest SHA-256 value"), computed):
        raise SignatureError("The Digest header does not match the body.")


def _cavage_created(params: Mapping[str, str], lower: Mapping[str, str], algorithm: str) -> datetime:
    """When the request was signed: hs2019's `created` parameter, else the Date header."""
    if algorithm == "hs2019" and "created" in params:
        return _from_timestamp(params["created"], "created")
    if "date" not in lower:
        raise SignatureError("The request has no Date header.")
    try:
        return _as_utc(parsedate_to_datetime(lower["date"]))
    except (TypeError, ValueError, IndexError) as err:
        raise SignatureError("The Date header is not a valid HTTP date.") from err


def _pseudo_header(name: str, params: Mapping[str, str]) -> str:
    """The value of `(created)` or `(expires)`, taken from the Signature parameter of the same name."""
    value = params.get(name[1:-1])
    if value is None:
        raise SignatureError(f"{name} is signed but the Signature header has no {name[1:-1]!r} parameter.")
    return value


# --- RFC 9421 ---------------------------------------------------------------------------------


def _read_rfc9421(method: str, url: str, lower: Mapping[str, str], body: bytes | None) -> SignedRequest:
    """Parse `Signature-Input` + `Signature` (RFC 9421) and build the signature base."""
    label, components = _single_signature_input(lower["signature-input"])
    params = components.params
    names = tuple(_component_name(item) for item in components)
    _check_rfc9421_params(params)
    _check_rfc9421_coverage(names, body)
    if body is not None:
        _check_content_digest(lower.get("content-digest"), body)
    lines = [
        f"{item}: {_component_value(name, method, url, lower)}" for item, name in zip(components, names, strict=True)
    ]
    lines.append(f'"@signature-params": {components}')
    return SignedRequest(
        key_id=params["keyid"],
        algorithm=params.get("alg", _RFC9421_ALGORITHM),
        covered=names,
        candidates=("\n".join(lines).encode("utf-8", "surrogateescape"),),
        signature=_signature_bytes(lower.get("signature"), label),
        created_at=_from_timestamp(params["created"], "created"),
        expires_at=_from_timestamp(params["expires"], "expires") if "expires" in params else None,
        scheme=RFC9421,
    )


def _single_signature_input(value: str) -> tuple[str, http_sfv.InnerList]:
    """The one labelled inner list in `Signature-Input`; several signatures are refused."""
    parsed = _parse_sf_dictionary(value, "Signature-Input")
    if len(parsed) != 1:
        raise SignatureError("Signature-Input must hold exactly one signature.")
    label, components = next(iter(parsed.items()))
    if not isinstance(components, http_sfv.InnerList):
        raise SignatureError("Signature-Input must be a list of covered components.")
    return label, components


def _component_name(item: http_sfv.Item) -> str:
    """A covered component's name; component parameters (`;sf`, `;req`, …) are not supported."""
    name = item.value
    if type(name) is not str or item.params or name != name.lower() or name == "@signature-params":
        raise SignatureError(f"Unsupported covered component {item} in Signature-Input.")
    return name


def _check_rfc9421_params(params: Mapping[str, object]) -> None:
    """`keyid` and an integer `created` are required; `alg`, if given, must be rsa-v1_5-sha256."""
    if not isinstance(params.get("keyid"), str) or not params["keyid"]:
        raise SignatureError("Signature-Input has no keyid parameter.")
    for name in ("created", "expires"):
        if name in params and type(params[name]) is not int:
            raise SignatureError(f"The {name} parameter of Signature-Input must be an integer.")
    if "created" not in params:
        raise SignatureError("Signature-Input has no created parameter.")
    if params.get("alg", _RFC9421_ALGORITHM) != _RFC9421_ALGORITHM:
        raise SignatureError(f"Unsupported signature algorithm {params['alg']!r}; use {_RFC9421_ALGORITHM}.")


def _check_rfc9421_coverage(names: tuple[str, ...], body: bytes | None) -> None:
    """Require @method, the target (@target-uri, or @authority with @path or @request-target), digest on POST."""
    if len(set(names)) != len(names):
        raise SignatureError("Signature-Input lists a component twice.")
    if "@method" not in names:
        raise SignatureError("The signature must cover @method.")
    # @authority + @path is as strong as the query-less draft-cavage form we also accept (INTEROP 34).
    has_target = "@target-uri" in names or ("@authority" in names and ("@path" in names or "@request-target" in names))
    if not has_target:
        raise SignatureError("The signature must cover @target-uri (or @authority and @path).")
    if body is not None and "content-digest" not in names:
        raise SignatureError("A signed POST must also sign the Content-Digest header.")


def _check_content_digest(header: str | None, body: bytes) -> None:
    """`Content-Digest` (RFC 9530) must offer sha-256 or sha-512, and every such value must match."""
    if header is None:
        raise SignatureError("The Content-Digest header is missing.")
    offered = _parse_sf_dictionary(header, "Content-Digest")
    known = [name for name in offered if name in _CONTENT_DIGESTS]
    if not known:
        raise SignatureError(f"Content-Digest has no sha-256 or sha-512 value (offered: {', '.join(offered)}).")
    for name in known:
        value = offered[name].value if isinstance(offered[name], http_sfv.Item) else None
        if not isinstance(value, bytes) or not hmac.compare_digest(value, _CONTENT_DIGESTS[name](body).digest()):
            raise SignatureError(f"The Content-Digest {name} value does not match the body.")


def _component_value(name: str, method: str, url: str, lower: Mapping[str, str]) -> str:
    """The value of one covered component, per RFC 9421 section 2."""
    if not name.startswith("@"):
        if name not in lower:
            raise SignatureError(f"The signed header {name!r} is missing from the request.")
        return lower[name]
    parts = urlsplit(url)
    match name:
        case "@method":
            return method
        case "@target-uri":
            return url
        case "@authority":
            return _authority(parts.scheme, parts.netloc)
        case "@scheme":
            return parts.scheme.lower()
        case "@path":
            return parts.path or "/"
        case "@query":
            return "?" + parts.query
        case "@request-target":
            return _target(parts.path, parts.query)
    raise SignatureError(f"Unsupported derived component {name!r} in Signature-Input.")


def _signature_bytes(header: str | None, label: str) -> bytes:
    """The byte sequence stored under `label` in the `Signature` header."""
    if header is None:
        raise SignatureError("Signature-Input is present but the Signature header is missing.")
    item = _parse_sf_dictionary(header, "Signature").get(label)
    if not isinstance(item, http_sfv.Item) or not isinstance(item.value, bytes):
        raise SignatureError(f"The Signature header has no byte sequence labelled {label!r}.")
    return item.value


def _parse_sf_dictionary(value: str, header: str) -> http_sfv.Dictionary:
    """An RFC 8941 dictionary, or SignatureError naming the header."""
    parsed = http_sfv.Dictionary()
    try:
        parsed.parse(value.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as err:
        raise SignatureError(f"The {header} header is not a valid structured field.") from err
    return parsed


# --- shared helpers ---------------------------------------------------------------------------


def _check_time_window(signed: SignedRequest, now: datetime, skew: timedelta) -> None:
    """Refuse a request signed more than `skew` away from now, or expired more than `skew` ago.

    The same ±1 h default as Mastodon's clock-skew margin (INTEROP 35).
    """
    now = _as_utc(now)
    if signed.created_at > now + skew:
        raise SignatureError("The request is signed with a time in the future; check the sender's clock.")
    if signed.created_at < now - skew:
        raise SignatureError("The request was signed too long ago; sign it again with a fresh Date.")
    if signed.expires_at is not None and signed.expires_at < now - skew:
        raise SignatureError("The signature has expired.")


def _lower_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers by lowercase name; repeated fields are joined with `, ` as both specs require."""
    lower: dict[str, str] = {}
    for name, value in headers.items():
        name, value = name.lower(), value.strip()
        lower[name] = f"{lower[name]}, {value}" if name in lower else value
    return lower


def _authority(scheme: str, netloc: str) -> str:
    """`host[:port]` in lowercase, without user info or the scheme's default port."""
    host = netloc.rpartition("@")[2].lower()
    default = _DEFAULT_PORTS.get(scheme.lower())
    if default and host.endswith(":" + default):
        host = host[: -len(default) - 1]
    return host


def _target(path: str, query: str) -> str:
    """The request target: path (at least `/`) and `?query` when there is one."""
    return (path or "/") + (f"?{query}" if query else "")


def _b64decode(value: str, what: str) -> bytes:
    """Strict base64, or SignatureError naming what was being decoded."""
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError) as err:
        raise SignatureError(f"The {what} is not valid base64.") from err


def _from_timestamp(value: object, what: str) -> datetime:
    """A UTC datetime from a Unix timestamp given as int or decimal string."""
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError) as err:
        raise SignatureError(f"The {what} time is not a valid Unix timestamp.") from err


def _as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; naive ones are taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _utcnow() -> datetime:
    return datetime.now(UTC)
