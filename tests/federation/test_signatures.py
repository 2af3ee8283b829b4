"""Tests for fedaid/federation/signatures.py: published vectors, a real Mastodon capture, httpsig interop, failures."""

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpsig
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from multidict import CIMultiDict

from fedaid.errors import SignatureError
from fedaid.federation.signatures import (
    RFC9421,
    SignedRequest,
    body_digest,
    cavage_signing_string,
    load_private_key,
    load_public_key,
    read_signature,
    sign_request,
    signature_header,
    verify_signature,
)
from fedaid.keys import generate_key_pair

from testsupport import FIXTURES, VECTORS

CAVAGE_DIR = VECTORS / "http-signatures" / "cavage-12"
RFC9421_DIR = VECTORS / "http-signatures" / "rfc9421"
MASTODON_DIR = FIXTURES / "mastodon"

NOW = datetime(2025, 1, 25, 23, 43, 24, tzinfo=UTC)
INBOX = "https://remote.example/users/bob/inbox"
KEY_ID = "https://aid.example/members/ana#main-key"
BODY = b'{"type":"Follow","actor":"https://aid.example/members/ana"}'


def load_json(path: Path) -> dict:
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return generate_key_pair()


@pytest.fixture(scope="module")
def other_keys() -> tuple[str, str]:
    return generate_key_pair()


@pytest.fixture(scope="module")
def cavage() -> dict:
    return load_json(CAVAGE_DIR / "vectors.json")


@pytest.fixture(scope="module")
def cavage_keys() -> tuple[str, str]:
    return (CAVAGE_DIR / "test-key-rsa-private.pem").read_text(), (CAVAGE_DIR / "test-key-rsa-public.pem").read_text()


def signed_post(keys, *, url=INBOX, body=BODY, now=NOW) -> dict[str, str]:
    return sign_request("POST", url, key_id=KEY_ID, private_key_pem=keys[0], body=body, now=now)


def read_and_verify(method, url, headers, body, public_pem, *, now=NOW) -> SignedRequest:
    signed = read_signature(method, url, headers, body, now=now)
    verify_signature(signed, public_pem)
    return signed


def resign_with(keys, headers: dict[str, str], covered) -> dict[str, str]:
    """`headers` (a POST to INBOX) with its Signature replaced by one over `covered`."""
    value = signature_header("POST", "/users/bob/inbox", headers, covered, key_id=KEY_ID, private_key_pem=keys[0])
    return {**headers, "Signature": value}


def rsa_sign(private_pem: str, data: bytes) -> bytes:
    return load_private_key(private_pem).sign(data, padding.PKCS1v15(), hashes.SHA256())


# --- draft-cavage Appendix C ------------------------------------------------------------------


def cavage_request_headers(cavage: dict) -> dict[str, str]:
    return dict(cavage["request"]["headers"])


@pytest.mark.parametrize("test_name", ["C.1_default", "C.2_basic", "C.3_all_headers"])
def test_appendix_c_signing_string_and_signature_are_reproduced_byte_for_byte(cavage, cavage_keys, test_name):
    vector = cavage["tests"][test_name]
    headers = cavage_request_headers(cavage)
    covered = vector["signed_headers"] if vector["headers_param"] is not None else None
    path = cavage["request"]["path"]

    string = cavage_signing_string("POST", path, headers, covered or ["date"])
    header = signature_header("POST", path, headers, covered, key_id="Test", private_key_pem=cavage_keys[0])

    assert string == vector["signing_string"].encode()
    assert header == vector["signature_header"]
    assert base64.b64encode(rsa_sign(cavage_keys[0], string)).decode() == vector["signature"]


def test_appendix_c_body_digest_matches_the_published_digest(cavage):
    assert body_digest(cavage["request"]["body"].encode()) == cavage_request_headers(cavage)["Digest"]


@pytest.mark.parametrize("where", ["signature_header", "authorization_header"])
def test_appendix_c3_verifies_through_read_signature(cavage, cavage_keys, where):
    vector = cavage["tests"]["C.3_all_headers"]
    header_name = "Signature" if where == "signature_header" else "Authorization"
    headers = {**cavage_request_headers(cavage), header_name: vector[where]}
    url = "https://example.com" + cavage["request"]["path"]
    now = datetime(2014, 1, 5, 21, 31, 40, tzinfo=UTC)

    signed = read_and_verify("POST", url, headers, cavage["request"]["body"].encode(), cavage_keys[1], now=now)

    assert signed.key_id == "Test"
    assert signed.candidates[0] == vector["signing_string"].encode()


def test_appendix_c2_verifies_when_no_body_is_checked(cavage, cavage_keys):
    vector = cavage["tests"]["C.2_basic"]
    headers = {**cavage_request_headers(cavage), "Signature": vector["signature_header"]}
    url = "https://example.com" + cavage["request"]["path"]
    now = datetime(2014, 1, 5, 22, 0, tzinfo=UTC)

    signed = read_and_verify("POST", url, headers, None, cavage_keys[1], now=now)

    assert signed.covered == ("(request-target)", "host", "date")


def test_appendix_c1_is_refused_because_host_is_not_signed(cavage):
    headers = {**cavage_request_headers(cavage), "Signature": cavage["tests"]["C.1_default"]["signature_header"]}
    now = datetime(2014, 1, 5, 21, 31, 40, tzinfo=UTC)

    with pytest.raises(SignatureError, match="Host"):
        read_signature("POST", "https://example.com/foo?param=value&pet=dog", headers, None, now=now)


def test_erratum_printed_in_draft_12_is_rejected(cavage, cavage_keys):
    printed = cavage["tests"]["C.3_all_headers"]["as_printed_in_draft_12"]
    assert printed["verifies"] is False
    headers = {**cavage_request_headers(cavage), "Signature": printed["signature_header"]}
    now = datetime(2014, 1, 5, 21, 31, 40, tzinfo=UTC)

    with pytest.raises(SignatureError, match=r"\(created\)"):
        read_and_verify(
            "POST",
            "https://example.com/foo?param=value&pet=dog",
            headers,
            cavage["request"]["body"].encode(),
            cavage_keys[1],
            now=now,
        )


def test_erratum_signature_does_not_verify_even_if_created_were_allowed(cavage, cavage_keys):
    printed = cavage["tests"]["C.3_all_headers"]["as_printed_in_draft_12"]
    as_hs2019 = printed["signature_header"].replace("rsa-sha256", "hs2019")
    headers = {**cavage_request_headers(cavage), "Signature": as_hs2019}
    now = datetime.fromtimestamp(1402170695, UTC)

    signed = read_signature(
        "POST", "https://example.com/foo?param=value&pet=dog", headers, cavage["request"]["body"].encode(), now=now
    )
    with pytest.raises(SignatureError, match="does not verify"):
        verify_signature(signed, cavage_keys[1])


# --- RFC 9421 ---------------------------------------------------------------------------------


def rfc9421_proxy_request() -> tuple[str, dict[str, str], bytes, dict]:
    """The Section 4.3 request as forwarded to the origin, per the vectors README."""
    vector = next(e for e in load_json(RFC9421_DIR / "vectors.json")["examples"] if e["id"] == "sec43_proxy_sig")
    head, _, body = (RFC9421_DIR / "request.http").read_text().partition("\n\n")
    headers = CIMultiDict(line.split(": ", 1) for line in head.splitlines()[1:])
    headers["Host"] = "origin.host.internal.example"
    headers["Forwarded"] = "for=192.0.2.123;host=example.com;proto=https"
    headers["Signature-Input"] = vector["signature_input"]
    headers["Signature"] = vector["signature"]
    body_bytes = body.encode()[: int(headers["Content-Length"])]  # the file ends with a newline
    return "https://origin.host.internal.example/foo?param=Value&Pet=dog", headers, body_bytes, vector


def test_rfc9421_section_4_3_rsa_v1_5_signature_verifies():
    url, headers, body, vector = rfc9421_proxy_request()
    now = datetime.fromtimestamp(1618884500, UTC)  # between created and expires

    signed = read_and_verify(
        "POST", url, headers, body, (RFC9421_DIR / "keys/test-key-rsa.public.pem").read_text(), now=now
    )

    assert signed.scheme == RFC9421
    assert signed.key_id == "test-key-rsa"
    assert signed.candidates == (vector["signature_base"].encode(),)


def test_rfc9421_section_4_3_is_refused_long_after_it_expired():
    url, headers, body, _ = rfc9421_proxy_request()

    with pytest.raises(SignatureError, match="too long ago"):
        read_signature("POST", url, headers, body, now=datetime(2025, 1, 1, tzinfo=UTC))


def test_rfc9421_section_4_3_with_a_tampered_body_is_refused():
    url, headers, body, _ = rfc9421_proxy_request()
    now = datetime.fromtimestamp(1618884500, UTC)

    with pytest.raises(SignatureError, match="Content-Digest sha-512 value does not match"):
        read_signature("POST", url, headers, body.replace(b"world", b"earth"), now=now)


def sign_rfc9421(
    keys, url, body, *, components=("@method", "@target-uri", "content-digest"), params=None, label="sig1"
) -> dict[str, str]:
    """An independent, minimal RFC 9421 signer for tests (rsa-v1_5-sha256)."""
    digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
    headers = {"Host": "remote.example", "Content-Digest": f"sha-256=:{digest}:"}
    values = {
        "@method": "POST",
        "@target-uri": url,
        "@authority": "remote.example",
        "@path": "/users/bob/inbox",
        "content-digest": headers["Content-Digest"],
    }
    if params is None:
        params = f';created={int(NOW.timestamp())};keyid="{KEY_ID}";alg="rsa-v1_5-sha256"'
    signature_params = "(" + " ".join(f'"{c}"' for c in components) + ")" + params
    base = "".join(f'"{c}": {values[c]}\n' for c in components) + f'"@signature-params": {signature_params}'
    signature = rsa_sign(keys[0], base.encode())
    headers["Signature-Input"] = f"{label}={signature_params}"
    headers["Signature"] = f"{label}=:{base64.b64encode(signature).decode()}:"
    return headers


def test_rfc9421_signature_covering_method_target_and_digest_verifies(keys):
    headers = sign_rfc9421(keys, INBOX, BODY)

    signed = read_and_verify("POST", INBOX, headers, BODY, keys[1])

    assert signed.covered == ("@method", "@target-uri", "content-digest")
    assert signed.created_at == NOW


def test_rfc9421_signature_without_alg_verifies_with_an_rsa_key(keys):
    headers = sign_rfc9421(keys, INBOX, BODY, params=f';created={int(NOW.timestamp())};keyid="{KEY_ID}"')

    read_and_verify("POST", INBOX, headers, BODY, keys[1])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"components": ("@target-uri", "content-digest")}, "@method"),
        ({"components": ("@method", "@path", "content-digest")}, "@target-uri"),
        ({"components": ("@method", "@target-uri")}, "Content-Digest"),
        ({"params": f';keyid="{KEY_ID}"'}, "created"),
        ({"params": f";created={int(NOW.timestamp())}"}, "keyid"),
        ({"params": f';created={int(NOW.timestamp())};keyid="{KEY_ID}";alg="rsa-pss-sha512"'}, "algorithm"),
    ],
)
def test_rfc9421_signature_that_breaks_a_requirement_is_refused(keys, kwargs, message):
    headers = sign_rfc9421(keys, INBOX, BODY, **kwargs)

    with pytest.raises(SignatureError, match=message):
        read_and_verify("POST", INBOX, headers, BODY, keys[1])


def test_rfc9421_request_with_two_signatures_is_refused(keys):
    headers = sign_rfc9421(keys, INBOX, BODY)
    headers["Signature-Input"] += ", " + headers["Signature-Input"].replace("sig1=", "sig2=")

    with pytest.raises(SignatureError, match="exactly one signature"):
        read_signature("POST", INBOX, headers, BODY, now=NOW)


def test_rfc9421_signature_from_another_key_is_refused(keys, other_keys):
    headers = sign_rfc9421(other_keys, INBOX, BODY)

    with pytest.raises(SignatureError, match="does not verify"):
        read_and_verify("POST", INBOX, headers, BODY, keys[1])


# --- a real Mastodon request ------------------------------------------------------------------


def mastodon_capture() -> tuple[dict, CIMultiDict, bytes, str]:
    capture = load_json(MASTODON_DIR / "signed_post_accept_follow_capture.json")
    public_pem = load_json(MASTODON_DIR / "tech_lgbt_person_actor.json")["publicKey"]["publicKeyPem"]
    return capture, CIMultiDict(capture["headers"]), capture["body_exact"].encode(), public_pem


def test_real_mastodon_post_verifies_with_the_actor_key():
    capture, headers, body, public_pem = mastodon_capture()
    captured_at = datetime(2025, 1, 25, 23, 43, 24, tzinfo=UTC)  # its Date: an old capture

    signed = read_and_verify(capture["method"], capture["url"], headers, body, public_pem, now=captured_at)

    assert signed.key_id == "https://tech.lgbt/users/rarely_typical#main-key"
    assert signed.covered == ("(request-target)", "host", "date", "digest", "content-type")


def test_real_mastodon_post_with_a_changed_body_is_refused():
    capture, headers, body, public_pem = mastodon_capture()

    with pytest.raises(SignatureError, match="Digest header does not match the body"):
        read_and_verify(capture["method"], capture["url"], headers, body + b" ", public_pem, now=NOW)


def test_real_mastodon_post_is_refused_with_todays_clock():
    capture, headers, body, _ = mastodon_capture()

    with pytest.raises(SignatureError, match="too long ago"):
        read_signature(capture["method"], capture["url"], headers, body)


# --- interop with httpsig (an independent implementation) -------------------------------------


def test_our_signed_post_verifies_with_httpsig(keys):
    headers = signed_post(keys)

    verifier = httpsig.HeaderVerifier(
        headers,
        keys[1],
        required_headers=["(request-target)", "host", "date", "digest"],
        method="POST",
        path="/users/bob/inbox",
        sign_header="signature",
    )

    assert verifier.verify() is True


def test_our_signed_get_verifies_with_httpsig(keys):
    accept = "application/activity+json"
    headers = sign_request(
        "GET", "https://remote.example/users/bob?page=2", key_id=KEY_ID, private_key_pem=keys[0], accept=accept, now=NOW
    )

    verifier = httpsig.HeaderVerifier(
        headers,
        keys[1],
        required_headers=["(request-target)", "host", "date", "accept"],
        method="GET",
        path="/users/bob?page=2",
        sign_header="signature",
    )

    assert headers["Accept"] == accept
    assert verifier.verify() is True


def test_httpsig_rejects_our_signature_with_another_key(keys, other_keys):
    verifier = httpsig.HeaderVerifier(
        signed_post(keys), other_keys[1], method="POST", path="/users/bob/inbox", sign_header="signature"
    )

    assert verifier.verify() is False


@pytest.mark.parametrize("sign_header", ["signature", "authorization"])
def test_httpsig_signed_post_verifies_with_us(keys, sign_header):
    headers = {"Host": "remote.example", "Date": "Sat, 25 Jan 2025 23:43:24 GMT", "Digest": body_digest(BODY)}
    signer = httpsig.HeaderSigner(
        KEY_ID,
        keys[0],
        algorithm="rsa-sha256",
        headers=["(request-target)", "host", "date", "digest"],
        sign_header=sign_header,
    )

    signed_headers = signer.sign(headers, host="remote.example", method="POST", path="/users/bob/inbox")

    assert read_and_verify("POST", INBOX, signed_headers, BODY, keys[1]).key_id == KEY_ID


def test_httpsig_signed_get_verifies_with_us(keys):
    headers = {"Host": "remote.example", "Date": "Sat, 25 Jan 2025 23:43:24 GMT"}
    signer = httpsig.HeaderSigner(
        KEY_ID, keys[0], algorithm="rsa-sha256", headers=["(request-target)", "host", "date"], sign_header="signature"
    )

    signed_headers = signer.sign(headers, host="remote.example", method="GET", path="/users/bob")

    read_and_verify("GET", "https://remote.example/users/bob", signed_headers, None, keys[1])


# --- what we send -----------------------------------------------------------------------------


def test_signed_post_carries_digest_content_type_and_the_mastodon_header_list(keys):
    headers = signed_post(keys)

    assert headers["Host"] == "remote.example"
    assert headers["Date"] == "Sat, 25 Jan 2025 23:43:24 GMT"
    assert headers["Digest"] == body_digest(BODY)
    assert headers["Content-Type"] == "application/activity+json"
    assert 'algorithm="rsa-sha256",headers="(request-target) host date digest content-type"' in headers["Signature"]
    assert headers["Signature"].startswith(f'keyId="{KEY_ID}",')


def test_signed_get_without_accept_signs_request_target_host_and_date(keys):
    headers = sign_request(
        "GET", "https://remote.example:443/users/bob", key_id=KEY_ID, private_key_pem=keys[0], now=NOW
    )

    assert set(headers) == {"Host", "Date", "Signature"}
    assert headers["Host"] == "remote.example"
    assert 'headers="(request-target) host date"' in headers["Signature"]


def test_host_keeps_a_non_default_port(keys):
    headers = sign_request("GET", "http://127.0.0.1:8081/users/bob", key_id=KEY_ID, private_key_pem=keys[0], now=NOW)

    assert headers["Host"] == "127.0.0.1:8081"
    read_and_verify("GET", "http://127.0.0.1:8081/users/bob", headers, None, keys[1])


def test_generated_keys_are_rsa_2048_pkcs8_and_spki():
    private_pem, public_pem = generate_key_pair()

    assert private_pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert public_pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert load_private_key(private_pem).key_size == 2048
    assert load_public_key(public_pem).public_numbers() == load_private_key(private_pem).public_key().public_numbers()


def test_parsed_keys_are_cached(keys):
    assert load_public_key(keys[1]) is load_public_key(keys[1])
    assert load_private_key(keys[0]) is load_private_key(keys[0])


# --- what we accept ---------------------------------------------------------------------------


def test_headers_are_read_case_insensitively_from_a_plain_dict(keys):
    headers = {name.upper(): value for name, value in signed_post(keys).items()}

    read_and_verify("POST", INBOX, headers, BODY, keys[1])


def test_hs2019_is_accepted(keys):
    headers = signed_post(keys)
    headers["Signature"] = headers["Signature"].replace('algorithm="rsa-sha256"', 'algorithm="hs2019"')

    assert read_and_verify("POST", INBOX, headers, BODY, keys[1]).algorithm == "hs2019"


def test_missing_algorithm_is_accepted_as_hs2019(keys):
    headers = signed_post(keys)
    headers["Signature"] = headers["Signature"].replace('algorithm="rsa-sha256",', "")

    assert read_and_verify("POST", INBOX, headers, BODY, keys[1]).algorithm == "hs2019"


def test_hs2019_created_and_expires_pseudo_headers_are_accepted(keys):
    created, expires = int(NOW.timestamp()), int(NOW.timestamp()) + 300
    params = {"created": str(created), "expires": str(expires)}
    covered = ["(request-target)", "(created)", "(expires)", "host", "digest"]
    headers = {"Host": "remote.example", "Digest": body_digest(BODY)}
    string = cavage_signing_string("POST", "/users/bob/inbox", headers, covered, params)
    signature = base64.b64encode(rsa_sign(keys[0], string)).decode()
    headers["Signature"] = (
        f'keyId="{KEY_ID}",algorithm="hs2019",created={created},expires={expires},'
        f'headers="{" ".join(covered)}",signature="{signature}"'
    )

    signed = read_and_verify("POST", INBOX, headers, BODY, keys[1])

    assert signed.created_at == NOW
    assert b"(created): %d\n(expires): %d" % (created, expires) in signed.candidates[0]
    with pytest.raises(SignatureError, match="too long ago"):
        read_signature("POST", INBOX, headers, BODY, now=NOW + timedelta(hours=2))


def test_signature_over_the_query_string_verifies(keys):
    url = INBOX + "?x=1&y=2"
    headers = signed_post(keys, url=url)

    signed = read_and_verify("POST", url, headers, BODY, keys[1])

    assert b"(request-target): post /users/bob/inbox?x=1&y=2\n" in signed.candidates[0]


def test_signature_without_the_query_string_verifies(keys):
    headers = signed_post(keys, url=INBOX)  # the sender left the query out of (request-target)

    signed = read_and_verify("POST", INBOX + "?x=1", headers, BODY, keys[1])

    assert len(signed.candidates) == 2


def test_date_59_minutes_old_is_accepted(keys):
    read_and_verify("POST", INBOX, signed_post(keys), BODY, keys[1], now=NOW + timedelta(minutes=59))


def test_several_digests_are_allowed_and_the_name_is_case_insensitive(keys):
    digest = body_digest(BODY).replace("SHA-256=", "sha-256=")
    headers = resign_with(
        keys, {**signed_post(keys), "Digest": f"SHA-512=abc=, {digest}"}, ["(request-target)", "host", "date", "digest"]
    )

    read_and_verify("POST", INBOX, headers, BODY, keys[1])


# --- what we refuse ---------------------------------------------------------------------------


def test_signature_error_is_a_401():
    assert SignatureError("x").status == 401


def test_unsigned_request_is_refused():
    with pytest.raises(SignatureError, match="not signed"):
        read_signature("POST", INBOX, {"Host": "remote.example", "Date": "Sat, 25 Jan 2025 23:43:24 GMT"}, BODY)


def test_signature_from_another_key_is_refused(keys, other_keys):
    signed = read_signature("POST", INBOX, signed_post(keys), BODY, now=NOW)

    with pytest.raises(SignatureError, match=f"does not verify with the public key of {KEY_ID}"):
        verify_signature(signed, other_keys[1])


def test_tampered_body_is_refused(keys):
    with pytest.raises(SignatureError, match="Digest header does not match the body"):
        read_signature("POST", INBOX, signed_post(keys), BODY.replace(b"Follow", b"Block"), now=NOW)


def test_tampered_digest_header_is_refused(keys):
    headers = {**signed_post(keys), "Digest": body_digest(b"other")}

    with pytest.raises(SignatureError, match="does not verify"):
        read_and_verify("POST", INBOX, headers, b"other", keys[1])


def test_date_two_hours_old_is_refused(keys):
    with pytest.raises(SignatureError, match="too long ago"):
        read_signature("POST", INBOX, signed_post(keys), BODY, now=NOW + timedelta(hours=2))


def test_date_two_hours_in_the_future_is_refused(keys):
    with pytest.raises(SignatureError, match="in the future"):
        read_signature("POST", INBOX, signed_post(keys), BODY, now=NOW - timedelta(hours=2))


def test_post_that_does_not_sign_the_digest_is_refused(keys):
    headers = resign_with(keys, signed_post(keys), ["(request-target)", "host", "date"])

    with pytest.raises(SignatureError, match="must also sign the Digest"):
        read_signature("POST", INBOX, headers, BODY, now=NOW)


def test_unknown_algorithm_is_refused(keys):
    headers = signed_post(keys)
    headers["Signature"] = headers["Signature"].replace('"rsa-sha256"', '"ed25519"')

    with pytest.raises(SignatureError, match="Unsupported signature algorithm 'ed25519'"):
        read_signature("POST", INBOX, headers, BODY, now=NOW)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('keyId="a",signature', "malformed"),
        ('keyId="a" signature="AAAA"', "malformed"),
        ('keyId="a",keyId="b",signature="AAAA"', "repeats"),
        ('algorithm="rsa-sha256",headers="host date",signature="AAAA"', "keyId"),
        ('keyId="a",headers="(request-target) host date",signature="not base64!"', "base64"),
    ],
)
def test_malformed_signature_header_is_refused(value, message):
    headers = {"Host": "remote.example", "Date": "Sat, 25 Jan 2025 23:43:24 GMT", "Signature": value}

    with pytest.raises(SignatureError, match=message):
        read_signature("GET", INBOX, headers, None, now=NOW)


def test_signed_header_missing_from_the_request_is_refused(keys):
    headers = sign_request("GET", INBOX, key_id=KEY_ID, private_key_pem=keys[0], accept="text/html", now=NOW)
    del headers["Accept"]

    with pytest.raises(SignatureError, match="'accept' is missing"):
        read_signature("GET", INBOX, headers, None, now=NOW)


def test_invalid_date_header_is_refused(keys):
    headers = {**sign_request("GET", INBOX, key_id=KEY_ID, private_key_pem=keys[0], now=NOW), "Date": "yesterday"}

    with pytest.raises(SignatureError, match="Date header is not a valid HTTP date"):
        read_signature("GET", INBOX, headers, None, now=NOW)


def test_bad_public_key_pem_is_refused():
    with pytest.raises(SignatureError, match="not a readable PEM"):
        load_public_key("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n")
