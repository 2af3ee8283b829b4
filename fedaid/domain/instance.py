"""The instance itself: its Application actor and its collective (a Group), created on first run."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from fedaid.activitypub.sanitize import clean_display_name
from fedaid.domain.accounts import save_and_announce
from fedaid.domain.actors import create_local_actor, display_name, get_local_actor
from fedaid.domain.categories import ensure_default_categories
from fedaid.domain.paragraphs import normalise_lines
from fedaid.errors import InvalidInput
from fedaid.models import Account, AccountRole, AccountState, Actor, ActorType, CollectivePage, Post


@dataclass(frozen=True)
class InstanceActors:
    instance: Actor
    collective: Actor


async def ensure_instance(
    base_url: str, *, collective_name: str, collective_slug: str, collective_summary: str = ""
) -> tuple[InstanceActors, bool]:
    """Create the instance actor and the collective if missing; True when this call created them.

    The first run also creates the default categories, which admins then edit or retire.
    """
    domain = base_url.split("://", 1)[1]
    instance = await Actor.filter(is_local=True, type=ActorType.APPLICATION).first()
    collective = await Actor.filter(is_local=True, type=ActorType.GROUP, username=collective_slug).first()
    if instance and collective:
        return InstanceActors(instance, collective), False
    async with in_transaction():
        if instance is None:
            instance = await create_local_actor(
                base_url, type=ActorType.APPLICATION, username=domain, name=domain, manually_approves_followers=True
            )
            await ensure_default_categories()
        if collective is None:
            collective = await create_local_actor(
                base_url,
                type=ActorType.GROUP,
                username=collective_slug,
                name=collective_name,
                summary=collective_summary,
            )
    return InstanceActors(instance, collective), True


async def find_collective(slug: str) -> Actor | None:
    """The collective of this instance by its slug (deleted or not), or None before it exists."""
    return await Actor.filter(is_local=True, type=ActorType.GROUP, username=slug).first()


async def get_collective(slug: str) -> Actor:
    return await get_local_actor(slug, types=(ActorType.GROUP,))


async def update_collective(slug: str, *, name: str | None = None, summary: str | None = None) -> Actor:
    """Change the collective's public name or summary; servers that follow it hear of it."""
    collective = await get_collective(slug)
    changes: dict[str, object] = {}
    if name is not None:
        if not clean_display_name(name):
            raise InvalidInput("The collective needs a name.")
        changes["name"] = display_name(name, slug)
    if summary is not None:
        changes["summary"] = summary.strip()
    if changes:
        await save_and_announce(collective, changes)  # Update(Group) to its followers and allies elsewhere
    return collective


async def has_admin() -> bool:
    return await Account.filter(role="admin").exists()


async def count_local_members() -> int:
    """Members whose account is approved (those waiting for approval or suspended are not counted)."""
    return await Account.filter(
        state=AccountState.APPROVED, actor__deleted_at__isnull=True, actor__type=ActorType.PERSON
    ).count()


async def count_local_posts() -> int:
    """Posts written here and not deleted: NodeInfo's `localPosts` and the client API's `status_count`, as
    Mastodon sums its accounts' statuses_count, which a deletion lowers (app/presenters/instance_presenter.rb)."""
    return await Post.filter(is_local=True, deleted_at__isnull=True).count()


@dataclass(frozen=True)
class Usage:
    """What the instance tells of itself (NodeInfo's `usage`, the client API's `stats`)."""

    members: int
    local_posts: int
    peer_domains: int


class UsageCache:
    """The instance's `Usage`, counted again at most every `ttl` seconds; one per instance (app). Counting reads
    every post written here and every remote actor, and NodeInfo and the client API's instance entity, which
    crawlers and every app's start ask for, need no fresher figures."""

    def __init__(self, ttl: float = 300.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.clock = ttl, clock
        self._counted: tuple[float, Usage] | None = None

    async def usage(self) -> Usage:
        """The counts, as of at most `ttl` seconds ago."""
        if self._counted is None or self._counted[0] + self.ttl < self.clock():
            counted = Usage(await count_local_members(), await count_local_posts(), len(await peer_domains()))
            self._counted = (self.clock(), counted)
        return self._counted[1]


async def peer_domains() -> list[str]:
    """The domains of the actors known from other servers, in alphabetical order."""
    domains = Actor.filter(is_local=False).distinct().order_by("domain").values_list("domain", flat=True)
    return [str(domain) for domain in await domains]


async def find_first_admin() -> Account | None:
    """The oldest admin account whose actor is not deleted, with its actor loaded (the instance's contact)."""
    query = Account.filter(role=AccountRole.ADMIN, actor__deleted_at__isnull=True).select_related("actor")
    return await query.order_by("id").first()


async def find_collective_page(collective: Actor) -> CollectivePage | None:
    """The collective's rules and contact, if an admin wrote them."""
    return await CollectivePage.get_or_none(collective=collective)


async def save_collective_page(collective: Actor, *, rules: str, contact: str) -> CollectivePage:
    page, _ = await CollectivePage.get_or_create(collective=collective)
    page.rules, page.contact = normalise_lines(rules), normalise_lines(contact)
    await page.save(update_fields=["rules", "contact", "updated_at"])
    return page
