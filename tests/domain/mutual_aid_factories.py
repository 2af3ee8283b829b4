"""Helpers for the mutual-aid tests: local and remote actors, follows, proposals, queued deliveries."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fedaid.domain.proposals import ProposalTerms, create_proposal
from fedaid.models import Actor, ActorType, Delivery, Follow, FollowState, Proposal, ProposalPurpose, Visibility

BASE = "https://aid.example"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
LYON = (45.764, 4.8357)
VILLEURBANNE = (45.7719, 4.8902)  # about 4.4 km from Lyon
PARIS = (48.8566, 2.3522)


async def make_local(username: str, *, group: bool = False, base: str = BASE) -> Actor:
    ap_id = f"{base}/{'c' if group else 'u'}/{username}"
    return await Actor.create(
        ap_id=ap_id,
        type=ActorType.GROUP if group else ActorType.PERSON,
        username=username,
        domain=base.split("://", 1)[1],
        is_local=True,
        name=username.title(),
        url=ap_id,
        inbox=f"{ap_id}/inbox",
        shared_inbox=f"{base}/inbox",
        outbox=f"{ap_id}/outbox",
        followers_url=f"{ap_id}/followers",
        following_url=f"{ap_id}/following",
    )


async def make_remote(
    username: str, domain: str, *, group: bool = False, shared: bool = True, mastodon: bool = True
) -> Actor:
    base = f"https://{domain}"
    ap_id = f"{base}/users/{username}" if mastodon else f"{base}/u/{username}"
    return await Actor.create(
        ap_id=ap_id,
        type=ActorType.GROUP if group else ActorType.PERSON,
        username=username,
        domain=domain,
        is_local=False,
        url=f"{base}/@{username}",
        inbox=f"{ap_id}/inbox",
        shared_inbox=f"{base}/inbox" if shared else None,
        followers_url=f"{ap_id}/followers",
    )


async def follow(follower: Actor, target: Actor, *, accepted: bool = True) -> Follow:
    state = FollowState.ACCEPTED if accepted else FollowState.PENDING
    return await Follow.create(follower=follower, target=target, state=state)


def terms(**overrides: Any) -> ProposalTerms:
    values: dict[str, Any] = {
        "purpose": ProposalPurpose.OFFER,
        "title": "Relire votre plan de communication",
        "text": "Je relis et commente votre plan, en visio ou sur place.",
        "category": "communication",
        "hours": Decimal(2),
        "place_name": "Lyon",
        "latitude": LYON[0],
        "longitude": LYON[1],
        "remote_ok": True,
    }
    values.update(overrides)
    return ProposalTerms(**values)


async def make_proposal(
    author: Actor,
    *,
    visibility: Visibility = Visibility.PUBLIC,
    collective: Actor | None = None,
    language: str | None = "fr",
    now: datetime = NOW,
    **overrides: Any,
) -> Proposal:
    return await create_proposal(
        author, terms(**overrides), visibility=visibility, collective=collective, language=language, now=now
    )


async def deliveries(**filters: Any) -> list[tuple[str, str, dict[str, Any]]]:
    """(sender ap_id, inbox, activity) for every queued row, oldest first."""
    rows = await Delivery.filter(**filters).order_by("id").prefetch_related("sender")
    return [(row.sender.ap_id, row.inbox, json.loads(row.payload)) for row in rows]


async def delivered_types(**filters: Any) -> list[tuple[str, str, str]]:
    """(activity type, inner object type or id kind, inbox) per queued row."""
    found = []
    for _, inbox, activity in await deliveries(**filters):
        inner = activity.get("object")
        kind = inner.get("type") if isinstance(inner, dict) else "id"
        found.append((activity["type"], kind, inbox))
    return found
