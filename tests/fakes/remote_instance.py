"""Another fediverse server, in-process: a real aiohttp app on 127.0.0.1 that talks like Mastodon or GoToSocial.

It serves WebFinger, actors with keys, collections and objects; records every request; checks OUR
HTTP signatures with `httpsig` (an implementation independent of ours); and signs POSTs to us the way
Mastodon does. Start it with `await start_fake_remote(aiohttp_server)`; its ids are
`http://127.0.0.1:<port>/users/<name>`, so our side needs `allow_http` and `allow_private_addresses`.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import formatdate
from typing import Any
from urllib.parse import urldefrag, urlsplit

import aiohttp
import blurhash
import httpsig
from aiohttp import web

from fedaid.keys import generate_key_pair

from testsupport import FIXTURES

JSONDict = dict[str, Any]
AP_JSON = "application/activity+json"
AS = "https://www.w3.org/ns/activitystreams"
SECURITY = "https://w3id.org/security/v1"
# The @context Mastodon puts on actors, taken from a real one.
MASTODON_CONTEXT = json.loads((FIXTURES / "mastodon" / "person.json").read_text())["@context"]


@dataclass
class FakeUser:
    name: str
    preferred_username: str
    private_pem: str
    public_pem: str
    overrides: JSONDict = field(default_factory=dict)  # fields replacing those of the served actor


@dataclass
class Seen:
    """One request the fake received, and what it made of the HTTP signature on it."""

    method: str
    path: str  # with the query string
    headers: dict[str, str]
    body: bytes
    key_id: str | None  # None: not signed
    verified: bool | None  # None: not signed; False: signed, but httpsig did not verify it

    @property
    def activity(self) -> JSONDict:
        return json.loads(self.body)


SEEN = web.RequestKey("seen", Seen)


class FakeRemoteInstance:
    """A Mastodon-like (or GoToSocial-like) server. `requests` holds everything it was sent."""

    def __init__(self, *, software: str = "mastodon", authorized_fetch: bool | None = None) -> None:
        if software not in ("mastodon", "gotosocial"):
            raise ValueError(f"unknown software {software!r}")
        self.software = software
        # Every GoToSocial server refuses unsigned GETs; Mastodon only with AUTHORIZED_FETCH.
        self.authorized_fetch = software == "gotosocial" if authorized_fetch is None else authorized_fetch
        self.users: dict[str, FakeUser] = {}
        self.deleted_users: set[str] = set()
        self.objects: dict[str, JSONDict] = {}
        self.files: dict[str, tuple[bytes, str]] = {}  # path → (body, content type): media it serves
        self.attachment_problems: list[str] = []  # what Mastodon would refuse in attachments we were sent
        self.deleted_objects: set[str] = set()
        self.webfinger_overrides: dict[str, JSONDict | None] = {}
        self.trusted_keys: dict[str, str] = {}
        self.requests: list[Seen] = []
        self.inbox_status: int | None = None  # force this answer to inbox POSTs (e.g. 500, 410)
        self.server: Any = None  # the TestServer, set by start_fake_remote
        self.app = web.Application(middlewares=[self._record])
        self.app.add_routes(
            [
                web.get("/.well-known/webfinger", self.serve_webfinger),
                web.get("/users/{name}", self.serve_actor),
                web.get("/users/{name}/main-key", self.serve_key_stub),
                web.get("/users/{name}/{collection:followers|following|outbox}", self.serve_collection),
                web.post("/users/{name}/inbox", self.record_post),
                web.post("/inbox", self.record_post),
                web.get("/{path:.*}", self.serve_object),
            ]
        )

    # --- addresses --------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    @property
    def domain(self) -> str:
        return f"127.0.0.1:{self.server.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def actor_id(self, name: str) -> str:
        return self.url(f"/users/{name}")

    def key_id(self, name: str) -> str:
        separator = "/" if self.software == "gotosocial" else "#"
        return f"{self.actor_id(name)}{separator}main-key"

    def acct(self, name: str) -> str:
        return f"{self.users[name].preferred_username}@{self.domain}"

    # --- what tests change --------------------------------------------------------------------

    def add_user(self, name: str, *, preferred_username: str | None = None) -> FakeUser:
        private_pem, public_pem = generate_key_pair()
        self.users[name] = FakeUser(name, preferred_username or name, private_pem, public_pem)
        return self.users[name]

    def rotate_key(self, name: str) -> None:
        """A new key pair under the same key id, as Mastodon does when an account is reset."""
        user = self.users[name]
        user.private_pem, user.public_pem = generate_key_pair()

    def patch_actor(self, user: str, /, **fields: Any) -> None:
        """Serve these top-level fields in the actor document of `user` (e.g. a new `name`)."""
        self.users[user].overrides.update(fields)

    def delete_user(self, name: str) -> None:
        self.deleted_users.add(name)

    def add_object(self, path: str, doc: JSONDict) -> str:
        """Serve `doc` at `path` as AP JSON; returns its URL."""
        self.objects[path] = doc
        return self.url(path)

    def add_file(self, path: str, body: bytes, content_type: str) -> str:
        """Serve a media file at `path`; returns its URL."""
        self.files[path] = (body, content_type)
        return self.url(path)

    def delete_object(self, path: str) -> None:
        self.deleted_objects.add(path)

    def set_webfinger(self, username: str, jrd: JSONDict | None) -> None:
        """Answer `acct:<username>@<domain>` with `jrd` (None: 404) instead of the truth."""
        self.webfinger_overrides[username.lower()] = jrd

    def jrd(self, username: str, *hrefs: str, domain: str | None = None) -> JSONDict:
        """A JRD with subject `acct:username@domain` and one AP `self` link per href."""
        links = [{"rel": "self", "type": AP_JSON, "href": href} for href in hrefs]
        return {"subject": f"acct:{username}@{domain or self.domain}", "links": links}

    def trust_key(self, key_id: str, public_pem: str) -> None:
        """Verify signatures by `key_id` with this key instead of fetching it from the signer."""
        self.trusted_keys[key_id] = public_pem

    def count(self, method: str, path: str) -> int:
        return sum(1 for seen in self.requests if seen.method == method and seen.path == path)

    @property
    def received(self) -> list[Seen]:
        """Every POST to an inbox (personal or shared), in order."""
        return [seen for seen in self.requests if seen.method == "POST"]

    # --- documents --------------------------------------------------------------------------

    def actor_doc(self, name: str) -> JSONDict:
        user, actor_id = self.users[name], self.actor_id(name)
        doc: JSONDict = {
            "@context": MASTODON_CONTEXT,
            "id": actor_id,
            "type": "Person",
            "following": f"{actor_id}/following",
            "followers": f"{actor_id}/followers",
            "inbox": f"{actor_id}/inbox",
            "outbox": f"{actor_id}/outbox",
            "preferredUsername": user.preferred_username,
            "name": user.preferred_username.title(),
            "summary": f"<p>{user.preferred_username} helps with gardening.</p>",
            "url": self.url(f"/@{user.preferred_username}"),
            "manuallyApprovesFollowers": False,
            "discoverable": True,
            "published": "2024-01-01T00:00:00Z",
            "publicKey": {"id": self.key_id(name), "owner": actor_id, "publicKeyPem": user.public_pem},
            "icon": {"type": "Image", "mediaType": "image/png", "url": self.url(f"/avatars/{name}.png")},
        }
        if self.software == "mastodon":  # GoToSocial publishes no shared inbox
            doc["endpoints"] = {"sharedInbox": self.url("/inbox")}
        return doc | user.overrides

    # --- handlers ---------------------------------------------------------------------------

    async def serve_webfinger(self, request: web.Request) -> web.Response:
        resource = request.query.get("resource", "")
        username, _, domain = resource.removeprefix("acct:").rpartition("@")
        if not resource.startswith("acct:") or domain.lower() != self.domain:
            return web.Response(status=404)
        if username.lower() in self.webfinger_overrides:
            jrd = self.webfinger_overrides[username.lower()]
            return _jrd_response(jrd) if jrd is not None else web.Response(status=404)
        user = self.users.get(username) or next(
            (u for u in self.users.values() if u.preferred_username.lower() == username.lower()), None
        )
        if user is None:
            return web.Response(status=404)
        if user.name in self.deleted_users:
            return web.Response(status=410)
        jrd = self.jrd(user.preferred_username, self.actor_id(user.name))
        jrd["links"].append(
            {
                "rel": "http://webfinger.net/rel/profile-page",
                "type": "text/html",
                "href": self.url(f"/@{user.preferred_username}"),
            }
        )
        return _jrd_response(jrd)

    async def serve_actor(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name in self.deleted_users:
            return _tombstone(self.actor_id(name), "Person")
        if name not in self.users:
            return web.Response(status=404)
        return _ap_response(self.actor_doc(name))

    async def serve_key_stub(self, request: web.Request) -> web.Response:
        """GoToSocial's key stub at `<actor>/main-key` (fixture gotosocial/publickey_stub.json)."""
        name = request.match_info["name"]
        if self.software != "gotosocial" or name not in self.users or name in self.deleted_users:
            return web.Response(status=404)
        actor = self.actor_doc(name)
        return _ap_response(
            {
                "@context": [SECURITY, AS],
                "id": actor["id"],
                "preferredUsername": actor["preferredUsername"],
                "publicKey": actor["publicKey"],
                "type": "Person",
            }
        )

    async def serve_collection(self, request: web.Request) -> web.Response:
        if request.match_info["name"] not in self.users:
            return web.Response(status=404)
        return _ap_response(
            {
                "@context": AS,
                "id": self.url(request.path),
                "type": "OrderedCollection",
                "totalItems": 0,
                "orderedItems": [],
            }
        )

    async def serve_object(self, request: web.Request) -> web.Response:
        if request.path in self.files:
            body, content_type = self.files[request.path]
            return web.Response(body=body, content_type=content_type)
        if request.path in self.deleted_objects:
            return _tombstone(self.url(request.path), self.objects.get(request.path, {}).get("type"))
        if request.path not in self.objects:
            return web.Response(status=404)
        return _ap_response(self.objects[request.path])

    async def record_post(self, request: web.Request) -> web.Response:
        """Inbox: already recorded by the middleware; 202 when our signature verified, like Mastodon."""
        if self.software == "mastodon":
            self.attachment_problems += mastodon_attachment_problems(request[SEEN].activity)
        if self.inbox_status is not None:
            return web.Response(status=self.inbox_status)
        return web.Response(status=202 if request[SEEN].verified else 401)

    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        body = await request.read()
        key_id, verified = await self._check_signature(request, body)
        request[SEEN] = Seen(request.method, request.path_qs, dict(request.headers), body, key_id, verified)
        self.requests.append(request[SEEN])
        # WebFinger and GoToSocial's key stubs stay public even with authorized fetch.
        is_public = request.path.startswith("/.well-known/") or request.path.endswith("/main-key")
        if self.authorized_fetch and request.method == "GET" and not is_public and verified is not True:
            return web.Response(status=401, text="Request not signed")
        return await handler(request)

    # --- signatures -------------------------------------------------------------------------

    async def _check_signature(self, request: web.Request, body: bytes) -> tuple[str | None, bool | None]:
        """(keyId, verified) with httpsig; the key comes from trust_key() or a plain GET of the keyId."""
        header = request.headers.get("Signature")
        if header is None:
            return None, None
        params = httpsig.utils.parse_signature_header(header)
        key_id = params.get("keyid", "")
        pem = self.trusted_keys.get(key_id) or await _fetch_public_key(key_id)
        required = ["(request-target)", "host", "date"] + (["digest"] if request.method == "POST" else [])
        try:
            verifier = httpsig.HeaderVerifier(
                dict(request.headers),
                pem or "",
                required_headers=required,
                method=request.method,
                path=request.path_qs,
                sign_header="signature",
            )
            verified = pem is not None and verifier.verify()
        except Exception:  # httpsig raises bare Exception for missing headers and bad keys
            verified = False
        if request.method == "POST" and request.headers.get("Digest") != _digest(body):
            verified = False
        return key_id, bool(verified)

    def sign_post(
        self,
        url: str,
        activity: JSONDict,
        *,
        as_user: str = "alice",
        sign_content_type: bool = True,
        algorithm: str = "rsa-sha256",
        date: datetime | None = None,
    ) -> tuple[dict[str, str], bytes]:
        """The headers and body Mastodon would send to `url`, signed by httpsig's HeaderSigner."""
        body = json.dumps(activity).encode()
        parts = urlsplit(url)
        moment = date or datetime.now(UTC)
        headers = {
            "Host": parts.netloc,
            "Date": formatdate(moment.timestamp(), usegmt=True),
            "Digest": _digest(body),
            "Content-Type": AP_JSON,
        }
        covered = ["(request-target)", "host", "date", "digest"] + (["content-type"] if sign_content_type else [])
        signer = httpsig.HeaderSigner(
            self.key_id(as_user),
            self.users[as_user].private_pem,
            algorithm=algorithm,
            headers=covered,
            sign_header="signature",
        )
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return dict(signer.sign(headers, host=parts.netloc, method="POST", path=path)), body

    async def post_signed(
        self,
        url: str,
        activity: JSONDict,
        *,
        as_user: str = "alice",
        sign_content_type: bool = True,
        algorithm: str = "rsa-sha256",
        date: datetime | None = None,
        tamper_body: bool = False,
    ) -> tuple[int, str]:
        """POST `activity` to one of our inboxes as Mastodon would; returns (status, response text)."""
        headers, body = self.sign_post(
            url, activity, as_user=as_user, sign_content_type=sign_content_type, algorithm=algorithm, date=date
        )
        if tamper_body:
            body = body.replace(b"}", b', "tampered": true}', 1)
        async with aiohttp.ClientSession() as session, session.post(url, data=body, headers=headers) as response:
            return response.status, await response.text()


def mastodon_attachment_problems(activity: JSONDict) -> list[str]:
    """What Mastodon's ActivityPub::Activity::Create#process_attachments and MediaAttachment would not take
    from a Create(Note)'s `attachment`: each one needs an http(s) `url` string and a `mediaType`; `name` is
    the description (at most 1,500 characters); `blurhash` must be a valid hash, `focalPoint` two numbers in
    [-1, 1], `width`/`height` positive integers."""
    note = activity.get("object")
    if activity.get("type") != "Create" or not isinstance(note, dict):
        return []
    problems = []
    attachments = note.get("attachment", [])
    for number, item in enumerate(attachments if isinstance(attachments, list) else [attachments]):
        where = f"{note.get('id')} attachment {number}"
        if item.get("type") not in ("Document", "Image", "Video", "Audio"):
            problems.append(f"{where}: type {item.get('type')!r}")
        if not isinstance(item.get("url"), str) or not item["url"].startswith(("http://", "https://")):
            problems.append(f"{where}: url {item.get('url')!r}")
        if not isinstance(item.get("mediaType"), str) or "/" not in item["mediaType"]:
            problems.append(f"{where}: mediaType {item.get('mediaType')!r}")
        if item.get("name") is not None and (not isinstance(item["name"], str) or len(item["name"]) > 1500):
            problems.append(f"{where}: name {item.get('name')!r}")
        if "blurhash" in item and not (
            isinstance(item["blurhash"], str) and blurhash.is_valid_blurhash(item["blurhash"])
        ):
            problems.append(f"{where}: blurhash {item.get('blurhash')!r}")
        focus = item.get("focalPoint", [0, 0])
        if not (isinstance(focus, list) and len(focus) == 2 and all(-1 <= float(v) <= 1 for v in focus)):
            problems.append(f"{where}: focalPoint {focus!r}")
        for side in ("width", "height"):
            if side in item and not (isinstance(item[side], int) and item[side] > 0):
                problems.append(f"{where}: {side} {item.get(side)!r}")
    return problems


async def start_fake_remote(
    aiohttp_server: Any,
    *,
    software: str = "mastodon",
    usernames: tuple[str, ...] = ("alice",),
    authorized_fetch: bool | None = None,
) -> FakeRemoteInstance:
    """Start a fake server (pytest-aiohttp's `aiohttp_server` fixture) with one user per name."""
    fake = FakeRemoteInstance(software=software, authorized_fetch=authorized_fetch)
    fake.server = await aiohttp_server(fake.app)
    for name in usernames:
        fake.add_user(name)
    return fake


async def _fetch_public_key(key_id: str) -> str | None:
    """The PEM behind `key_id`, by a plain GET of its URL without the fragment (an actor or a key)."""
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.get(urldefrag(key_id).url, headers={"Accept": AP_JSON}) as response,
        ):
            doc = await response.json(content_type=None)
    except (aiohttp.ClientError, ValueError):
        return None
    keys = doc.get("publicKey", doc) if isinstance(doc, dict) else None
    for key in keys if isinstance(keys, list) else [keys]:
        if isinstance(key, dict) and key.get("id") == key_id and isinstance(key.get("publicKeyPem"), str):
            return key["publicKeyPem"]
    return None


def _digest(body: bytes) -> str:
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def _ap_response(doc: JSONDict, status: int = 200) -> web.Response:
    return web.Response(status=status, body=json.dumps(doc).encode(), content_type=AP_JSON)


def _jrd_response(jrd: JSONDict) -> web.Response:
    return web.Response(
        body=json.dumps(jrd).encode(), content_type="application/jrd+json", headers={"Access-Control-Allow-Origin": "*"}
    )


def _tombstone(object_id: str, former_type: str | None) -> web.Response:
    doc = {"@context": AS, "id": object_id, "type": "Tombstone"} | ({"formerType": former_type} if former_type else {})
    return _ap_response(doc, status=410)
