"""RFC 9421 HTTP Message Signatures: read inbound `Signature-Input` + `Signature` (rsa-v1_5-sha256 only).

A signature must cover `@method` and the target (`@target-uri`, or `@authority` with `@path` or
`@request-target`), carry a `created` parameter, and cover `content-digest` when there is a body.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import urlsplit

import http_sfv

from fedaid.errors import SignatureError
from fedaid.federation.signatures.shared import RFC9421, SignedRequest, authority, from_timestamp, request_target

ALGORITHM = "rsa-v1_5-sha256"
_CONTENT_DIGESTS = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}


def read_rfc9421(method: str, url: str, lower: Mapping[str, str], body: bytes | None) -> SignedRequest:
    """Parse `Signature-Input` + `Signature` (RFC 9421) and build the signature base."""
    label, components = _single_signature_input(lower["signature-input"])
    params = components.params
    names = tuple(_component_name(item) for item in components)
    _check_params(params)
    check_coverage(names, body)
    if body is not None:
        _check_content_digest(lower.get("content-digest"), body)
    lines = [
        f"{item}: {_component_value(name, method, url, lower)}" for item, name in zip(components, names, strict=True)
    ]
    lines.append(f'"@signature-params": {components}')
    return SignedRequest(
        key_id=params["keyid"],
        algorithm=params.get("alg", ALGORITHM),
        covered=names,
        candidates=("\n".join(lines).encode("utf-8", "surrogateescape"),),
        signature=_signature_bytes(lower.get("signature"), label),
        created_at=from_timestamp(params["created"], "created"),
        expires_at=from_timestamp(params["expires"], "expires") if "expires" in params else None,
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


def _check_params(params: Mapping[str, object]) -> None:
    """`keyid` and an integer `created` are required; `alg`, if given, must be rsa-v1_5-sha256."""
    if not isinstance(params.get("keyid"), str) or not params["keyid"]:
        raise SignatureError("Signature-Input has no keyid parameter.")
    for name in ("created", "expires"):
        if name in params and type(params[name]) is not int:
            raise SignatureError(f"The {name} parameter of Signature-Input must be an integer.")
    if "created" not in params:
        raise SignatureError("Signature-Input has no created parameter.")
    if params.get("alg", ALGORITHM) != ALGORITHM:
        raise SignatureError(f"Unsupported signature algorithm {params['alg']!r}; use {ALGORITHM}.")


def check_coverage(names: tuple[str, ...], body: bytes | None) -> None:
    """Require @method, the target (@target-uri, or @authority with @path or @request-target), digest on POST."""
    if len(set(names)) != len(names):
        raise SignatureError("Signature-Input lists a component twice.")
    if "@method" not in names:
        raise SignatureError("The signature must cover @method.")
    # @authority with @path leaves the query out, like the query-less draft-cavage form we also accept.
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
            return authority(parts.scheme, parts.netloc)
        case "@scheme":
            return parts.scheme.lower()
        case "@path":
            return parts.path or "/"
        case "@query":
            return "?" + parts.query
        case "@request-target":
            return request_target(parts.path, parts.query)
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
