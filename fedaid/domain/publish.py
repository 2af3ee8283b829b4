"""Queue outbound activities as `Delivery` rows; `federation/delivery.py` signs and sends them later.

No network and no signing here: call `publish` inside the transaction of the change that causes it,
so a crash between commit and send loses nothing (docs/architecture.md, Outbound).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from fedaid.clock import utcnow
from fedaid.hosts import domain_names, host_of_url
from fedaid.models import Actor, Delivery, DomainHealth, DomainPolicy, FollowState, PolicyKind
from fedaid.storage import hot_reads

# Keeps every IN (...) list and multi-row INSERT well under the bound-parameter limits of both backends.
CHUNK = 500


async def publish(
    activity: dict[str, Any],
    *,
    sender: Actor,
    to: Iterable[Actor] = (),
    inboxes: Iterable[str] = (),
    now: datetime | None = None,
) -> int:
    """Queue `activity` for every distinct inbox: call it inside the transaction of the change that causes it.

    Recipients on the same server share one row when they share an inbox (ActivityPub §7.1.3); local actors,
    unavailable hosts and blocked domains get none. Publishing the same activity again queues
    nothing for inboxes that already have it. Returns the number of rows queued.
    """
    activity_id = activity.get("id")
    if not isinstance(activity_id, str) or not activity_id:
        raise ValueError("publish() needs an activity with an id")
    wanted = _distinct_inboxes(to, inboxes)
    wanted = await _drop_unreachable(wanted)
    wanted = await _drop_already_queued(activity_id, wanted)
    if not wanted:
        return 0
    payload = json.dumps(activity, ensure_ascii=False, separators=(",", ":"))
    due = now or utcnow()
    rows = [
        Delivery(
            activity_id=activity_id, payload=payload, sender_id=sender.id, inbox=inbox, host=host, next_attempt_at=due
        )
        for inbox, host in wanted.items()
    ]
    await Delivery.bulk_create(rows, batch_size=CHUNK)
    return len(rows)


async def followers_of(actor: Actor) -> list[Actor]:
    """The remote actors whose Follow of `actor` was accepted (deleted ones excluded)."""
    return await hot_reads.remote_followers(actor.id, FollowState.ACCEPTED.value)


def _distinct_inboxes(to: Iterable[Actor], inboxes: Iterable[str]) -> dict[str, str]:
    """Inbox URL → host, in first-seen order, shared inboxes standing in for their actors."""
    wanted: dict[str, str] = {}
    for actor in to:
        if not actor.is_local:
            wanted.setdefault(actor.delivery_inbox, host_of_url(actor.delivery_inbox))
    for inbox in inboxes:
        wanted.setdefault(inbox, host_of_url(inbox))
    return {inbox: host for inbox, host in wanted.items() if host}


async def _drop_unreachable(wanted: dict[str, str]) -> dict[str, str]:
    """Leave out hosts marked unavailable (as Mastodon does) and domains an admin blocked."""
    hosts = sorted(set(wanted.values()))
    if not hosts:
        return wanted
    skipped: set[str] = set()
    for chunk in _chunks(hosts):
        skipped.update(await DomainHealth.filter(host__in=chunk, is_unavailable=True).values_list("host", flat=True))
    blocked = await _blocked_domains(hosts)
    skipped.update(host for host in hosts if blocked & set(domain_names(host)))
    return {inbox: host for inbox, host in wanted.items() if host not in skipped}


async def _blocked_domains(hosts: list[str]) -> set[str]:
    """The blocked domains among the hosts and their parent domains (a block covers subdomains)."""
    names = sorted(set().union(*(set(domain_names(host)) for host in hosts)))
    blocked: set[str] = set()
    for chunk in _chunks(names):
        blocked.update(
            await DomainPolicy.filter(domain__in=chunk, kind=PolicyKind.BLOCK).values_list("domain", flat=True)
        )
    return blocked


async def _drop_already_queued(activity_id: str, wanted: dict[str, str]) -> dict[str, str]:
    """Leave out inboxes that already have a row for this activity (the pair is unique)."""
    queued: set[str] = set()
    for chunk in _chunks(list(wanted)):
        queued.update(await Delivery.filter(activity_id=activity_id, inbox__in=chunk).values_list("inbox", flat=True))
    return {inbox: host for inbox, host in wanted.items() if inbox not in queued}


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
