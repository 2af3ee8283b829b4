"""Independent signers for tests: draft-cavage over any list of headers, RFC 9421 over any components.

They build the signing string themselves (not with fedaid's signer), so a test can leave out any part.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from email.utils import formatdate
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding


def rsa_sign(private_pem: str, data: bytes) -> bytes:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return key.sign(data, padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr]


def cavage_headers(
    method: str,
    url: str,
    *,
    key_id: str,
    private_pem: str,
    covered: tuple[str, ...],
    now: datetime,
    body: bytes | None = None,
    algorithm: str = "rsa-sha256",
) -> dict[str, str]:
    """Host, Date (and Digest, Content-Type with a body) and a draft-cavage Signature over `covered` only."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = {
        "Host": parts.netloc,
        "Date": formatdate(now.timestamp(), usegmt=True),
        "Accept": "application/activity+json",
    }
    if body is not None:
        headers["Digest"] = "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
        headers["Content-Type"] = "application/activity+json"
    created = str(int(now.timestamp()))
    lower = {name.lower(): value for name, value in headers.items()}
    lines = []
    for name in covered:
        if name == "(request-target)":
            lines.append(f"(request-target): {method.lower()} {target}")
        elif name == "(created)":
            lines.append(f"(created): {created}")
        else:
            lines.append(f"{name}: {lower[name]}")
    signature = base64.b64encode(rsa_sign(private_pem, "\n".join(lines).encode())).decode()
    extra = f",created={created}" if "(created)" in covered else ""
    headers["Signature"] = (
        f'keyId="{key_id}",algorithm="{algorithm}",headers="{" ".join(covered)}"{extra},signature="{signature}"'
    )
    return headers


def rfc9421_headers(
    method: str,
    url: str,
    *,
    key_id: str,
    private_pem: str,
    components: tuple[str, ...],
    now: datetime,
    body: bytes | None = None,
    with_created: bool = True,
) -> dict[str, str]:
    """Host (and Content-Digest with a body) and an RFC 9421 signature (rsa-v1_5-sha256) over `components`."""
    parts = urlsplit(url)
    headers = {"Host": parts.netloc, "Accept": "application/activity+json"}
    if body is not None:
        digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
        headers["Content-Digest"] = f"sha-256=:{digest}:"
        headers["Content-Type"] = "application/activity+json"
    values = {
        "@method": method,
        "@target-uri": url,
        "@authority": parts.netloc,
        "@path": parts.path,
        "@request-target": parts.path + (f"?{parts.query}" if parts.query else ""),
        "content-digest": headers.get("Content-Digest", ""),
        "host": parts.netloc,
    }
    params = (f";created={int(now.timestamp())}" if with_created else "") + f';keyid="{key_id}"'
    signature_params = "(" + " ".join(f'"{name}"' for name in components) + ")" + params
    base = "".join(f'"{name}": {values[name]}\n' for name in components) + f'"@signature-params": {signature_params}'
    headers["Signature-Input"] = f"sig1={signature_params}"
    headers["Signature"] = f"sig1=:{base64.b64encode(rsa_sign(private_pem, base.encode())).decode()}:"
    return headers
