"""Benchmark fedaid.federation.signatures against raw `cryptography` RSA-2048 and against httpsig.

Run: python bench/signatures.py [iterations]. Prints figures only (no pass/fail); takes a few seconds.
"""

import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

import httpsig  # noqa: E402
from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding  # noqa: E402

from fedaid.federation.signatures import (  # noqa: E402
    load_private_key,
    load_public_key,
    read_signature,
    sign_request,
    verify_signature,
)
from fedaid.keys import generate_key_pair  # noqa: E402

URL = "https://remote.example/users/bob/inbox"
KEY_ID = "https://aid.example/members/ana#main-key"
BODY = b'{"@context":"https://www.w3.org/ns/activitystreams","type":"Follow","actor":"https://aid.example/members/ana"}'
NOW = datetime(2025, 1, 25, 23, 43, 24, tzinfo=UTC)


def ops_per_second(action: Callable[[], object], iterations: int) -> float:
    """Run `action` `iterations` times (after a short warm-up) and return calls per second."""
    for _ in range(min(20, iterations)):
        action()
    start = time.perf_counter()
    for _ in range(iterations):
        action()
    return iterations / (time.perf_counter() - start)


def report(label: str, rate: float, baseline: float | None = None, baseline_name: str = "") -> None:
    ratio = f"   {rate / baseline:5.2f}x {baseline_name}" if baseline else ""
    print(f"  {label:<48} {rate:>10,.0f} ops/s  {1e6 / rate:>8.1f} us/op{ratio}")


def bench_signing(private_pem: str, iterations: int) -> None:
    """Our sign_request (POST, with Digest) next to one raw RSA-2048 PKCS#1 v1.5 SHA-256 signature."""
    key = load_private_key(private_pem)
    message = b"x" * 200  # about the size of a real signing string
    raw = ops_per_second(lambda: key.sign(message, padding.PKCS1v15(), hashes.SHA256()), iterations)
    ours = ops_per_second(
        lambda: sign_request("POST", URL, key_id=KEY_ID, private_key_pem=private_pem, body=BODY, now=NOW),
        iterations,
    )
    print(f"Signing, {iterations} iterations each")
    report("raw cryptography RSA-2048 sign", raw)
    report("fedaid sign_request (POST)", ours, raw, "of raw sign")


def bench_verifying(private_pem: str, public_pem: str, iterations: int) -> None:
    """Our read_signature+verify_signature next to one raw verify, and httpsig's HeaderVerifier."""
    headers = sign_request("POST", URL, key_id=KEY_ID, private_key_pem=private_pem, body=BODY, now=NOW)
    signed = read_signature("POST", URL, headers, BODY, now=NOW)
    key = load_public_key(public_pem)
    raw = ops_per_second(
        lambda: key.verify(signed.signature, signed.candidates[0], padding.PKCS1v15(), hashes.SHA256()), iterations
    )
    ours = ops_per_second(
        lambda: verify_signature(read_signature("POST", URL, headers, BODY, now=NOW), public_pem), iterations
    )
    ours_verify_only = ops_per_second(lambda: verify_signature(signed, public_pem), iterations)
    theirs = ops_per_second(
        lambda: httpsig.HeaderVerifier(
            headers, public_pem, method="POST", path="/users/bob/inbox", sign_header="signature"
        ).verify(),
        iterations,
    )
    print(f"Verifying, {iterations} iterations each")
    report("raw cryptography RSA-2048 verify", raw)
    report("fedaid read_signature + verify_signature", ours, raw, "of raw verify")
    report("fedaid verify_signature alone (parsed)", ours_verify_only, raw, "of raw verify")
    report("httpsig HeaderVerifier.verify", theirs, raw, "of raw verify")
    print(f"  fedaid read+verify is {ours / theirs:.1f}x the rate of httpsig")


def main() -> None:
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    private_pem, public_pem = generate_key_pair()
    print(f"HTTP signature benchmark (RSA-2048, Python {sys.version.split()[0]})")
    bench_signing(private_pem, iterations)
    bench_verifying(private_pem, public_pem, iterations)


if __name__ == "__main__":
    main()
