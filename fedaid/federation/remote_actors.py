"""Other servers' actors: WebFinger resolution, the database cache, keyId → owner, verified signers.

All network access goes through the one `Fetcher`. Before an actor is stored, its server's WebFinger
must confirm it (the loop-back, FetchRemoteActorService#check_webfinger!). It knows nothing of inboxes or activities.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Mapping
from copy import copy
from dataclasses import dataclass
from datetime import datetime, timedelta
from ipaddress import ip_address
from typing import Any
from urllib.parse import quote, urldefrag, urlsplit

from tortoise.exceptions import IntegrityError

from fedaid.activitypub.parse import JSONDict, is_actor_document, parse_actor, parse_key_document
from fedaid.clock import utcnow
from fedaid.errors import FetchError, Gone, InvalidActivity, NotFound, SignatureError
from fedaid.federation.accts import Acct, acct_text, domain_of, parse_acct, same_acct, self_link, subject_of
from fedaid.federation.actor_rows import aware, row_values
from fedaid.federation.fetch import Fetcher, RemoteGone, RemoteNotFound
from fedaid.federation.signatures import SignedRequest, read_signature, verify_signature
from fedaid.models import Actor

log = logging.getLogger("fedaid.remote_actors")


KEY_CACHE_SIZE = 4096


@dataclass(frozen=True)
class Signer:
    """Who signed a request, as the inbox needs it: read-only, so it is handed out without a copy."""

    ap_id: str
    key_id: str
    delivery_inbox: str


@dataclass(frozen=True)
class _KnownKey:
    """A verified signer's key, kept in memory so a known signer costs no database query."""

    actor: Actor
    pem: str
    signer: Signer


class RemoteActors:
    """Finds, fetches, caches and refreshes other servers' actors; resolves keyIds to their owners."""

    def __init__(
        self,
        fetcher: Fetcher,
        *,
        local_domain: str,
        refresh_after: timedelta = timedelta(days=1),
        refetch_interval: timedelta = timedelta(minutes=5),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._fetcher = fetcher
        self._local_domain = local_domain.lower()
        self._refresh_after = refresh_after
        self._refetch_interval = refetch_interval
        self._clock = clock
        self._keys: OrderedDict[str, _KnownKey] = OrderedDict()  # LRU, most recent last
        self._key_fetched_at: dict[str, datetime] = {}  # last network fetch per keyId (rate limit)
        self._allow_http = fetcher.allow_http  # whether WebFinger may go over http (tests)

    # --- finding actors ---------------------------------------------------------------------

    async def resolve_acct(self, acct: str) -> Actor:
        """The actor `user@host` names, found by WebFinger and confirmed by its loop-back."""
        username, host = parse_acct(acct)
        if host == self._local_domain:
            return await _get_local(username__iexact=username)
        jrd = await self._webfinger(username, host)
        return await self._load(self_link(jrd, f"{username}@{host}"), refresh=False, claimed_as=(username, host))

    async def get_actor(self, ap_id: str, *, refresh: bool = False) -> Actor:
        """The actor with this id: from the cache while fresh, else fetched; Gone once deleted."""
        return await self._load(ap_id, refresh=refresh)

    async def find_by_key_id(self, key_id: str) -> Actor | None:
        """The known actor holding `key_id`, without any network access."""
        return await Actor.get_or_none(key_id=key_id)

    async def owner_of_key(self, key_id: str, *, refresh: bool = False) -> Actor:
        """The actor that owns `key_id`, which its own document must confirm (FEP-fe34).

        Cached owners are returned as they are (a failed verification refreshes them, see
        verify_request). Raises NotFound, Gone, FetchError, or SignatureError when the claim fails.
        """
        owner = await self.find_by_key_id(key_id)
        if owner is not None and (owner.is_local or not refresh):
            if owner.is_deleted:
                raise Gone(f"The owner of the key {key_id}, {owner.ap_id}, was deleted.")
            return owner
        if owner is not None:
            owner = await self._load(owner.ap_id, refresh=True)
        elif domain_of(key_id) == self._local_domain:
            raise NotFound(f"There is no key {key_id} on this server.")
        else:
            owner = await self._fetch_key_owner(key_id)
        if owner.key_id != key_id or not owner.public_key_pem:
            raise SignatureError(f"{owner.ap_id} does not confirm that the key {key_id} is its own.")
        return owner

    # --- verifying signatures ---------------------------------------------------------------

    async def verify_request(self, method: str, url: str, headers: Mapping[str, str], body: bytes | None) -> Actor:
        """The actor who signed this request, or SignatureError (401) (docs.joinmastodon.org/spec/security).

        `url` is the full URL as received. On a mismatch the signer is refetched once, at most
        every `refetch_interval` per key, in case the key was rotated (Mastodon's Account#possibly_stale?). Gone (410)
        and FetchError (502) pass through: the owner was deleted, or its server cannot be reached.
        """
        return copy((await self._verified(method, url, headers, body)).actor)

    async def verify_signer(self, method: str, url: str, headers: Mapping[str, str], body: bytes | None) -> Signer:
        """verify_request for the inbox's hot path: the signer's ids only, without copying the cached Actor."""
        return (await self._verified(method, url, headers, body)).signer

    async def _verified(self, method: str, url: str, headers: Mapping[str, str], body: bytes | None) -> _KnownKey:
        signed = read_signature(method, url, headers, body, now=self._clock())
        known = await self._known_key(signed.key_id)
        if _verifies(signed, known.pem):
            return known
        if self._may_refetch(signed.key_id, known.actor):
            log.info("Signature by %s does not verify; refetching its owner", signed.key_id)
            known = await self._known_key(signed.key_id, refresh=True)
            if _verifies(signed, known.pem):
                return known
        raise SignatureError(f"The signature does not match the key of {known.actor.ap_id}.")

    async def _known_key(self, key_id: str, *, refresh: bool = False) -> _KnownKey:
        known = None if refresh else self._keys.get(key_id)
        if known is not None:
            self._keys.move_to_end(key_id)
            return known
        try:
            owner = await self.owner_of_key(key_id, refresh=refresh)
        except NotFound as err:
            raise SignatureError(f"The key {key_id} cannot be found: {err}") from err
        known = _KnownKey(owner, owner.public_key_pem or "", Signer(owner.ap_id, key_id, owner.delivery_inbox))
        self._keys[key_id] = known
        while len(self._keys) > KEY_CACHE_SIZE:
            self._keys.popitem(last=False)
        return known

    def _may_refetch(self, key_id: str, owner: Actor) -> bool:
        """Whether the owner of `key_id` was last fetched more than `refetch_interval` ago; if so, note now."""
        now = self._clock()
        fetched = [moment for moment in (self._key_fetched_at.get(key_id), aware(owner.fetched_at)) if moment]
        if owner.is_local or (fetched and now - max(fetched) < self._refetch_interval):
            return False
        self._note_fetch(key_id, now)
        return True

    def _note_fetch(self, key_id: str, now: datetime) -> None:
        self._key_fetched_at[key_id] = now
        if len(self._key_fetched_at) > 4 * KEY_CACHE_SIZE:
            self._key_fetched_at = {
                key: moment for key, moment in self._key_fetched_at.items() if now - moment < self._refetch_interval
            }

    def _forget_key(self, key_id: str | None) -> None:
        if key_id is not None:
            self._keys.pop(key_id, None)

    # --- loading and storing ----------------------------------------------------------------

    async def _load(self, ap_id: str, *, refresh: bool, claimed_as: Acct | None = None) -> Actor:
        """The cached actor while fresh, else fetched and stored. `claimed_as`: the acct whose WebFinger named it."""
        if domain_of(ap_id) == self._local_domain:
            if claimed_as is not None:
                raise FetchError(f"WebFinger for {acct_text(claimed_as)} names {ap_id}, an actor of this server.")
            return await _get_local(ap_id=ap_id)
        cached = await Actor.get_or_none(ap_id=ap_id)
        if cached is not None and cached.is_deleted and not refresh:
            raise Gone(f"{ap_id} was deleted.")
        if cached is not None and not refresh and self._is_fresh(cached):
            if claimed_as is not None and not same_acct(claimed_as, (cached.username, cached.domain)):
                await self._check_loop_back((cached.username, cached.domain), cached.ap_id)
            return cached
        try:
            doc = await self._fetcher.get_json(ap_id)
        except RemoteGone as err:
            if cached is not None:
                await self._mark_deleted(cached)
            raise Gone(f"{ap_id} was deleted on its server.") from err
        except RemoteNotFound as err:
            raise NotFound(f"{ap_id} does not exist on its server.") from err
        except FetchError as err:
            if cached is None or refresh or claimed_as is not None:
                raise
            log.info("Keeping the stale copy of %s: %s", ap_id, err)  # its server may be down for a while
            return cached
        return await self._store(doc, claimed_as=claimed_as)

    async def _fetch_key_owner(self, key_id: str) -> Actor:
        """Fetch what `key_id` points to, then the key's owner unless that was the owner itself."""
        url, fragment = urldefrag(key_id)
        try:
            # `<actor>#main-key` (Mastodon): the URL is the actor, whose id must be that URL. Without a
            # fragment it may be a stub carrying its owner's id (GoToSocial's `/main-key`),
            # read only to learn the owner.
            doc = await self._fetcher.get_json(url, check_id=bool(fragment))
        except RemoteGone as err:
            raise Gone(f"The key {key_id} was deleted on its server.") from err
        except RemoteNotFound as err:
            raise NotFound(f"{url} does not exist on its server.") from err
        if fragment and is_actor_document(doc):
            return await self._store(doc)
        try:
            key = parse_key_document(doc, key_id=key_id)
        except InvalidActivity as err:
            raise SignatureError(f"{url} does not hold the key {key_id}: {err}.") from err
        # Only the owner's own document is trusted for the key (bidirectional claim, FetchRemoteKeyService).
        return await self._load(key.owner, refresh=True)

    async def _store(self, doc: JSONDict, *, claimed_as: Acct | None = None) -> Actor:
        """Check a fetched actor document and its WebFinger loop-back, then insert or update its row."""
        try:
            parsed = parse_actor(doc)
        except InvalidActivity as err:
            raise FetchError(f"{doc.get('id')} is not an actor fedaid can use: {err}.") from err
        domain = domain_of(parsed.ap_id)
        if domain == self._local_domain:
            raise FetchError(f"Another server served {parsed.ap_id}, an actor of this server.")
        if not parsed.has_username:
            if claimed_as is not None:  # an acct cannot name an actor that has no username
                raise FetchError(
                    f"{parsed.ap_id} has no preferredUsername, so no acct:{acct_text(claimed_as)} names it."
                )
        elif claimed_as is None or not same_acct(claimed_as, (parsed.preferred_username, domain)):
            await self._check_loop_back(
                (parsed.preferred_username, domain), parsed.ap_id, without_webfinger_ok=claimed_as is None
            )
        cached = await Actor.get_or_none(ap_id=parsed.ap_id)
        values = row_values(parsed, domain, self._clock())
        actor = await _upsert(parsed.ap_id, cached, values)
        self._forget_key(cached.key_id if cached else None)
        self._forget_key(actor.key_id)
        if actor.key_id is not None:
            self._note_fetch(actor.key_id, values["fetched_at"])
        return actor

    async def _mark_deleted(self, actor: Actor) -> None:
        actor.deleted_at = self._clock()
        await actor.save(update_fields=["deleted_at"])
        self._forget_key(actor.key_id)

    def _is_fresh(self, actor: Actor) -> bool:
        fetched_at = aware(actor.fetched_at)
        return fetched_at is not None and self._clock() - fetched_at < self._refresh_after

    # --- WebFinger --------------------------------------------------------------------------

    async def _check_loop_back(self, acct: Acct, ap_id: str, *, without_webfinger_ok: bool = False) -> None:
        """WebFinger for the actor's own acct must name `ap_id`, after at most one subject redirect. With
        `without_webfinger_ok` (an actor fetched by its own id), a server that answers no WebFinger for it (404,
        410) is taken at its word: its acct is its name at its host; one that names another actor is refused."""
        scheme = urlsplit(ap_id).scheme
        try:
            jrd = await self._webfinger(*acct, scheme=scheme)
            subject = subject_of(jrd)
            if subject is not None and not same_acct(subject, acct):
                # A split domain: acct:alice@example.org for https://social.example.org/users/alice.
                jrd = await self._webfinger(*subject, scheme=scheme)
                again = subject_of(jrd)
                if again is not None and not same_acct(again, subject):
                    raise FetchError(
                        f"WebFinger for {acct_text(acct)} redirects more than once (to {acct_text(again)})."
                    )
                acct = subject
            confirmed = self_link(jrd, acct_text(acct))
        except (NotFound, Gone) as err:
            if without_webfinger_ok:
                log.info("no WebFinger for %s: its acct is %s", ap_id, acct_text(acct))
                return
            raise FetchError(f"WebFinger does not confirm {ap_id}: {err}") from err
        if confirmed != ap_id:
            raise FetchError(
                f"WebFinger for {acct_text(acct)} does not point back to {ap_id};"
                " its server does not confirm this actor."
            )

    async def _webfinger(self, username: str, host: str, *, scheme: str | None = None) -> JSONDict:
        resource = quote(f"acct:{username}@{host}", safe=":@")
        url = f"{self._webfinger_scheme(host, scheme)}://{host}/.well-known/webfinger?resource={resource}"
        try:
            return await self._fetcher.get_jrd(url)
        except RemoteGone as err:
            raise Gone(f"The account {username}@{host} was deleted.") from err
        except RemoteNotFound as err:
            raise NotFound(f"There is no account {username}@{host}.") from err

    def _webfinger_scheme(self, host: str, hint: str | None) -> str:
        """https, unless the fetcher allows http (tests, local demos) and the actor id or a loopback host says http."""
        if not self._allow_http:
            return "https"
        if hint in ("http", "https"):
            return hint
        hostname = urlsplit(f"//{host}").hostname or ""
        if hostname == "localhost" or hostname.endswith(".localhost"):
            return "http"
        try:
            ip_address(hostname)
        except ValueError:
            return "https"
        return "http"


# --- helpers ----------------------------------------------------------------------------------


async def _get_local(**lookup: Any) -> Actor:
    actor = await Actor.get_or_none(is_local=True, deleted_at=None, **lookup)
    if actor is None:
        raise NotFound(f"There is no such actor on this server ({', '.join(map(str, lookup.values()))}).")
    return actor


async def _upsert(ap_id: str, cached: Actor | None, values: dict[str, Any]) -> Actor:
    try:
        if cached is None:
            try:
                return await Actor.create(ap_id=ap_id, **values)
            except IntegrityError:
                cached = await Actor.get_or_none(ap_id=ap_id)  # stored meanwhile by a concurrent fetch
                if cached is None:
                    raise
        cached.update_from_dict(values)
        await cached.save()
        return cached
    except IntegrityError as err:
        raise FetchError(
            f"{ap_id} claims the name {values['username']}@{values['domain']} or the key of another actor we know."
        ) from err


def _verifies(signed: SignedRequest, pem: str) -> bool:
    try:
        verify_signature(signed, pem)
    except SignatureError:
        return False
    return True


async def is_known_remote_actor(ap_id: str) -> bool:
    """Whether the cache holds this remote actor, not deleted: Mastodon sends Delete(actor) for accounts we
    never saw, and fetching their key would only fail (their server answers 410)."""
    return await Actor.filter(ap_id=ap_id, is_local=False, deleted_at__isnull=True).exists()
