"""Suspending (blocking) a domain: what it will do, then doing it, in this order, in one transaction.

    1. every follow with its actors is answered: our follows of theirs get an Undo, theirs of ours a Reject
       (an alliance is both); these are queued while the domain is not yet blocked, since `publish` drops
       deliveries to blocked domains and the delivery worker sends whatever was queued;
    2. the follows go, open agreements with its actors are cancelled (hours go back to our proposals);
    3. its stored posts become Tombstones (hidden everywhere, never re-created); confirmed exchanges and
       ledger totals are history and stay;
    4. the block takes effect (the inbox and object routes answer 403), and the audit log says who did it.

No network here. Silencing a domain stays `policy.set_domain_policy(domain, SILENCE)`.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from fedaid.activitypub.activities import render_reject, render_undo_follow
from fedaid.clock import utcnow
from fedaid.domain import audit, policy, received_agreements
from fedaid.domain.follows import is_alliance
from fedaid.domain.publish import publish
from fedaid.models import (
    Actor,
    Agreement,
    AgreementState,
    DomainPolicy,
    Follow,
    PolicyKind,
    Post,
    PostTag,
)

OPEN_AGREEMENTS = (AgreementState.OFFERED, AgreementState.ACCEPTED)


@dataclass(frozen=True)
class Consequences:
    """What suspending `domain` does (before), or did (after)."""

    domain: str
    followers_here: int  # their actors following ours: each gets a Reject
    followed_there: int  # our actors following theirs: each gets an Undo
    posts: int  # stored posts of theirs, removed
    alliances: tuple[str, ...]  # their collectives allied with ours, or asking (acct)
    open_agreements: int  # cancelled
    already_blocked: bool = False


async def consequences(domain: str) -> Consequences:
    """What suspending `domain` (and its subdomains) would do now; changes nothing."""
    domain = policy.normalise_domain(domain)
    ids = await _actor_ids(domain)
    follows = await _follows(ids)
    return Consequences(
        domain=domain,
        followers_here=sum(1 for row in follows if row.follower_id in ids),
        followed_there=sum(1 for row in follows if row.target_id in ids),
        posts=await _posts(ids).count(),
        alliances=_alliances(follows),
        open_agreements=await _agreements(ids).count(),
        already_blocked=await DomainPolicy.filter(domain=domain, kind=PolicyKind.BLOCK).exists(),
    )


async def suspend_domain(domain: str, *, reason: str = "", by: Actor | None = None) -> Consequences:
    """Suspend `domain`: answer its follows, cancel open agreements, remove its posts, then block it."""
    domain = policy.normalise_domain(domain)
    async with in_transaction():
        done = await consequences(domain)
        await cut_off(await _actor_ids(domain))  # before the block, which would drop the Reject and Undo
        await policy.set_domain_policy(domain, PolicyKind.BLOCK, reason=reason)
        await audit.record("domain.suspend", domain, by=by, detail=_summary(done, reason))
    return done


async def cut_off(ids: set[int]) -> None:
    """Steps 1 to 3 for these remote actors (a domain's, or one suspended account): Reject their follows of ours
    and Undo ours of theirs, delete those follows, cancel open agreements with them, remove their posts."""
    follows = await _follows(ids)
    for row in follows:
        if row.target_id in ids:
            await publish(render_undo_follow(row, row.follower, row.target), sender=row.follower, to=[row.target])
        else:
            await publish(render_reject(row, row.follower, row.target), sender=row.target, to=[row.follower])
    await Follow.filter(id__in=[row.id for row in follows] or [0]).delete()
    for agreement in await _agreements(ids):
        await received_agreements.cancel_with_suspended(agreement, ids)
    post_ids = list(await _posts(ids).values_list("id", flat=True))
    if post_ids:
        await PostTag.filter(post_id__in=post_ids).delete()
        await Post.filter(id__in=post_ids).update(deleted_at=utcnow(), content="", summary="")


def _summary(done: Consequences, reason: str) -> str:
    parts = [
        f"{done.followers_here} follower(s) rejected",
        f"{done.followed_there} follow(s) undone",
        f"{done.posts} post(s) removed",
        f"{done.open_agreements} open agreement(s) cancelled",
    ]
    if done.alliances:
        parts.append("alliance ended with " + ", ".join(done.alliances))
    return "; ".join(parts) + (f". Reason: {reason}" if reason else "")


async def _actor_ids(domain: str) -> set[int]:
    on_domain = Q(domain=domain) | Q(domain__endswith=f".{domain}")
    return {row["id"] for row in await Actor.filter(on_domain, is_local=False).values("id")}


async def _follows(ids: set[int]) -> list[Follow]:
    """Follows between our actors and theirs, both directions, with both actors loaded."""
    if not ids:
        return []
    rows = await Follow.filter(Q(follower_id__in=sorted(ids)) | Q(target_id__in=sorted(ids))).select_related(
        "follower", "target"
    )
    return [row for row in rows if row.follower.is_local or row.target.is_local]


def _alliances(follows: list[Follow]) -> tuple[str, ...]:
    groups = {
        (row.target if row.follower.is_local else row.follower).acct
        for row in follows
        if is_alliance(row.follower, row.target)
    }
    return tuple(sorted(groups))


def _posts(ids: set[int]):
    return Post.filter(author_id__in=sorted(ids) or [0], is_local=False, deleted_at__isnull=True)


def _agreements(ids: set[int]):
    wanted = sorted(ids) or [0]
    return Agreement.filter(Q(provider_id__in=wanted) | Q(receiver_id__in=wanted), state__in=OPEN_AGREEMENTS)
