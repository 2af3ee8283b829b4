"""What every domain `receive_*` function is given: who sent the activity, and how to reach other servers.

The domain never imports the network; the inbox worker passes a `Remote` in, which fetches through
the SSRF-safe client and the remote-actor cache.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

from fedaid.activitypub.parse import Activity, NoteDoc
from fedaid.domain.policy import DomainPolicies
from fedaid.models import Actor


class Remote(Protocol):
    """The network, as the domain may use it while applying a received activity."""

    async def actor(self, ap_id: str) -> Actor:
        """A remote actor, from the cache or its server."""
        ...

    async def refresh_actor(self, ap_id: str) -> Actor:
        """A remote actor as its server serves it now."""
        ...

    async def fetch_note(self, ap_id: str, author: Actor | None = None) -> tuple[NoteDoc, Actor]:
        """A post as its origin serves it, and its author."""
        ...

    async def is_gone(self, ap_id: str) -> bool:
        """Whether the object's origin answers that it is gone (410 or 404)."""
        ...

    async def also_known_as(self, ap_id: str) -> tuple[str, ...]:
        """The `alsoKnownAs` of an actor, as its server serves it now."""
        ...

    async def apply(self, activity: Activity, *, via_group: Actor) -> None:
        """Apply an activity a Group we follow distributed, as if its actor had sent it."""
        ...


@dataclass(frozen=True)
class Incoming:
    """A received activity's sender (already fetched and verified), and what applying it may use."""

    actor: Actor
    remote: Remote
    policies: DomainPolicies
    federation_mode: str
    outside_proposals: bool  # whether plain posts with purpose hashtags may become proposals
    collective_ap_id: str | None = None  # the instance's collective, looked up once per batch
    # Senders of the batch that someone here followed when it began: a shortcut for "is this post for us?"
    # (never a refusal: a follow accepted later in the batch is found by the full check).
    followed_senders: frozenset[str] = frozenset()
    thread_fetch_depth: int = 0  # how many missing parents of a reply are fetched
    via_group: Actor | None = None  # set while applying an activity a followed Group distributed

    def sent_by(self, actor: Actor, *, via_group: Actor | None) -> Incoming:
        """The same arrival, for an activity of another actor (one a Group distributed)."""
        return replace(self, actor=actor, via_group=via_group)
