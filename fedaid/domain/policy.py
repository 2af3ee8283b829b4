"""Admins' decisions about other servers (block, silence, allow) and what the federation mode allows.

No network. The inbox asks `DomainPolicies` on every request, so it keeps the (small) table in
memory: a change made through this module is seen at once in this process, and by other
processes (the CLI, other web workers) within `ttl` seconds.

A policy on `example.org` also covers its subdomains; on loopback test servers, where every
instance is `127.0.0.1:<port>`, a policy names `host:port`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from enum import StrEnum

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from fedaid.errors import InvalidInput
from fedaid.hosts import domain_names, host_of_url
from fedaid.models import Actor, DomainPolicy, Follow, PolicyKind
from fedaid.storage import hot_reads

FEDERATION_OPEN = "open"
FEDERATION_ALLOWLIST = "allowlist"
_SEVERITY = {PolicyKind.BLOCK: 3, PolicyKind.SILENCE: 2, PolicyKind.ALLOW: 1}
# Bumped by every change made here, so every cache in this process reloads at its next lookup.
_generation = 0


class AllianceDecision(StrEnum):
    ACCEPT = "accept"  # accepted at once (the answer to a request we made first, or an ordinary follow)
    ASK_ADMIN = "ask_admin"  # waits for an admin (Notification admin.alliance)
    REFUSE = "refuse"  # answered with a Reject


def alliance_decision(kind: PolicyKind | None, federation_mode: str) -> AllianceDecision:
    """What to do with another collective's request to ally (its Follow of ours), from its domain's policy and
    our mode. The mode only says who may ask; every request that may be made waits for an admin.

    `open`: any collective but a blocked one may ask.
    `allowlist`: only collectives of allowlisted domains may ask.
    """
    if kind == PolicyKind.BLOCK:
        return AllianceDecision.REFUSE
    if federation_mode == FEDERATION_OPEN or kind == PolicyKind.ALLOW:
        return AllianceDecision.ASK_ADMIN
    return AllianceDecision.REFUSE


def normalise_domain(domain: str) -> str:
    """What an admin typed (`example.org`, `https://example.org/`, `@x@example.org`) as a policy domain."""
    value = domain.strip().lower()
    if "://" in value:
        value = host_of_url(value)
    value = value.rpartition("@")[2].strip("/").rstrip(".")
    if not value or any(char.isspace() or char in "/?#" for char in value):
        raise InvalidInput(f"{domain!r} is not a domain like example.org.")
    return value


class DomainPolicies:
    """A read-through copy of the DomainPolicy table for the hot paths (inbox, object GETs)."""

    def __init__(self, *, ttl: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._kinds: dict[str, PolicyKind] = {}
        self._by_host: dict[str, PolicyKind | None] = {}  # answers of kind_for, until the table reloads
        self._loaded_at: float | None = None
        self._generation = -1

    async def kind_for(self, host: str) -> PolicyKind | None:
        """The most severe policy covering `host` (block, then silence, then allow), or None."""
        return self._kind_in(await self._table(), host)

    def _kind_in(self, kinds: dict[str, PolicyKind], host: str) -> PolicyKind | None:
        if host in self._by_host:
            return self._by_host[host]
        found = [kinds[name] for name in domain_names(host) if name in kinds]
        kind = max(found, key=_SEVERITY.__getitem__) if found else None
        if len(self._by_host) < 10_000:
            self._by_host[host] = kind
        return kind

    async def is_blocked(self, host: str) -> bool:
        return await self.kind_for(host) == PolicyKind.BLOCK

    async def first_blocked(self, hosts: Iterable[str]) -> str | None:
        """The first of `hosts` that is blocked, or None; one look at the table for all of them."""
        kinds = await self._table()
        for host in hosts:
            if host and self._kind_in(kinds, host) == PolicyKind.BLOCK:
                return host
        return None

    async def is_silenced(self, host: str) -> bool:
        return await self.kind_for(host) == PolicyKind.SILENCE

    def forget(self) -> None:
        self._loaded_at = None

    async def _table(self) -> dict[str, PolicyKind]:
        now = self._clock()
        if self._loaded_at is None or now - self._loaded_at > self._ttl or self._generation != _generation:
            generation = _generation
            rows = await DomainPolicy.all().values_list("domain", "kind")
            self._kinds = {domain: PolicyKind(kind) for domain, kind in rows}
            self._by_host = {}
            self._loaded_at, self._generation = now, generation
        return self._kinds


async def set_domain_policy(domain: str, kind: PolicyKind, *, reason: str = "") -> DomainPolicy:
    """Allow, silence or block `domain` (replacing its previous policy). Blocking also ends every follow
    between our actors and theirs, so nothing more is sent to or taken from them."""
    global _generation
    domain = normalise_domain(domain)
    async with in_transaction():
        policy = await DomainPolicy.get_or_none(domain=domain)
        if policy is None:
            policy = await DomainPolicy.create(domain=domain, kind=kind, reason=reason)
        else:
            policy.kind, policy.reason = kind, reason or policy.reason
            await policy.save(update_fields=["kind", "reason"])
        if kind == PolicyKind.BLOCK:
            await _end_follows_with(domain)
    _generation += 1
    return policy


async def clear_domain_policy(domain: str) -> bool:
    """Remove the policy on `domain`; True when there was one."""
    global _generation
    removed = await DomainPolicy.filter(domain=normalise_domain(domain)).delete()
    _generation += 1
    return bool(removed)


async def silenced_domains() -> frozenset[str]:
    """Domains whose posts are kept but left out of public timelines (each covers its subdomains)."""
    return frozenset(await hot_reads.policy_domains(PolicyKind.SILENCE.value))


async def not_silenced() -> Q:
    """The filter public timelines apply: posts from silenced domains, and of accounts a moderator silenced, are
    kept, but not shown there."""
    query = silenced_filter(await silenced_domains())
    if await Actor.filter(silenced_at__isnull=False).exists():
        query &= Q(author__silenced_at__isnull=True)
    return query


def silenced_filter(domains: Iterable[str]) -> Q:
    """A filter on posts leaving out those by authors on `domains` or their subdomains."""
    query = Q()
    for domain in domains:
        query &= ~Q(author__domain=domain) & ~Q(author__domain__endswith=f".{domain}")
    return query


async def list_domain_policies() -> list[DomainPolicy]:
    return await DomainPolicy.all().order_by("kind", "domain")


async def _end_follows_with(domain: str) -> None:
    """Delete follows in both directions with actors on `domain` or its subdomains."""
    on_domain = Q(domain=domain) | Q(domain__endswith=f".{domain}")
    actor_ids = await Actor.filter(on_domain, is_local=False).values_list("id", flat=True)
    if actor_ids:
        await Follow.filter(Q(follower_id__in=actor_ids) | Q(target_id__in=actor_ids)).delete()
