"""Coaching circles: Group actors of kind `circle`, with facilitators, topics, a timezone and members.

Members are the accepted follows of the circle's actor, from any instance: an open circle accepts a
`Follow` (or a `Join` of the Group) at once, a closed one waits for a facilitator (`follows` sends
the answers). No HTTP here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tortoise.transactions import in_transaction

from fedaid.domain import follows
from fedaid.domain.actors import create_local_actor
from fedaid.errors import Forbidden, InvalidInput, NotFound
from fedaid.models import (
    Actor,
    ActorType,
    Category,
    CategoryFamily,
    Circle,
    CircleFacilitator,
    Follow,
    FollowState,
    GroupKind,
    Notification,
    NotificationKind,
)


@dataclass(frozen=True)
class CircleTerms:
    slug: str
    name: str
    summary: str = ""
    timezone: str = "Europe/Paris"
    topics: tuple[str, ...] = ()
    is_open: bool = True
    facilitators: tuple[Actor, ...] = field(default=())


def check_timezone(name: str) -> str:
    """An IANA time zone name, or InvalidInput."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise InvalidInput(f"{name!r} is not a time zone, e.g. Europe/Paris.") from err
    return name


async def check_topics(topics: tuple[str, ...]) -> list[str]:
    """The topics, each a coaching category's slug."""
    known = set(await Category.filter(family=CategoryFamily.COACHING).values_list("slug", flat=True))
    unknown = [topic for topic in topics if topic not in known]
    if unknown:
        raise InvalidInput(f"Unknown coaching topics: {', '.join(unknown)}.")
    return list(dict.fromkeys(topics))


async def create_circle(base_url: str, terms: CircleTerms) -> Circle:
    """A new circle with its own Group actor (`/c/<slug>`), hosted here."""
    timezone = check_timezone(terms.timezone)
    topics = await check_topics(terms.topics)
    if not terms.name.strip():
        raise InvalidInput("A circle needs a name.")
    if not terms.facilitators:
        raise InvalidInput("A circle needs at least one facilitator.")
    if any(not person.is_local or person.type != ActorType.PERSON for person in terms.facilitators):
        raise InvalidInput("Facilitators are members of this instance.")
    async with in_transaction():
        actor = await create_local_actor(
            base_url,
            type=ActorType.GROUP,
            username=terms.slug,
            name=terms.name.strip()[:255],
            summary=terms.summary.strip(),
            manually_approves_followers=not terms.is_open,
        )
        actor.group_kind = GroupKind.CIRCLE
        await actor.save(update_fields=["group_kind"])
        circle = await Circle.create(actor=actor, timezone=timezone, topics=topics, is_open=terms.is_open)
        for person in terms.facilitators:
            await CircleFacilitator.create(circle=circle, actor=person)
    return await get_circle(terms.slug)


async def get_circle(slug: str) -> Circle:
    circle = (
        await Circle.filter(actor__username=slug, actor__is_local=True, actor__deleted_at__isnull=True)
        .select_related("actor")
        .first()
    )
    if circle is None:
        raise NotFound(f"No circle {slug!r} here.")
    return circle


async def find_circle_of(actor: Actor) -> Circle | None:
    return await Circle.filter(actor_id=actor.id).select_related("actor").first()


async def list_circles() -> list[Circle]:
    return await Circle.filter(actor__deleted_at__isnull=True).select_related("actor").order_by("actor__username")


async def facilitators_of(circle: Circle) -> list[Actor]:
    return await Actor.filter(facilitates__circle_id=circle.id).order_by("id")


async def is_facilitator(circle: Circle, actor: Actor | None) -> bool:
    return actor is not None and await CircleFacilitator.filter(circle_id=circle.id, actor_id=actor.id).exists()


async def require_facilitator(circle: Circle, actor: Actor) -> None:
    if not await is_facilitator(circle, actor):
        raise Forbidden("Only the circle's facilitators can do this.")


async def add_facilitator(circle: Circle, person: Actor) -> None:
    if not person.is_local or person.type != ActorType.PERSON:
        raise InvalidInput("Facilitators are members of this instance.")
    await CircleFacilitator.get_or_create(circle=circle, actor=person)


async def members_of(circle: Circle) -> list[Actor]:
    """Everyone whose follow (or join) of the circle was accepted, from any instance."""
    return await Actor.filter(
        following_rows__target_id=circle.actor_id, following_rows__state=FollowState.ACCEPTED
    ).order_by("id")


async def pending_requests(circle: Circle) -> list[Follow]:
    """Requests to join a closed circle, waiting for a facilitator."""
    return await Follow.filter(target_id=circle.actor_id, state=FollowState.PENDING).select_related("follower")


async def get_request(circle: Circle, follow_id: int) -> Follow:
    row = await Follow.get_or_none(id=follow_id, target_id=circle.actor_id)
    if row is None:
        raise NotFound("No such request to join this circle.")
    return row


async def join_circle(circle: Circle, member: Actor) -> Follow:
    """A member here joins: at once in an open circle; in a closed one, the facilitators are asked."""
    if circle.is_open:
        return await follows.follow(member, circle.actor)
    row, created = await Follow.get_or_create(
        follower=member, target=circle.actor, defaults={"ap_id": f"{member.ap_id}/joins/circle/{circle.id}"}
    )
    if created:
        for facilitator in await facilitators_of(circle):
            await Notification.create(recipient=facilitator, kind=NotificationKind.FOLLOW_REQUEST, from_actor=member)
    return row


async def is_member(circle: Circle, actor: Actor | None) -> bool:
    if actor is None:
        return False
    return await Follow.filter(follower_id=actor.id, target_id=circle.actor_id, state=FollowState.ACCEPTED).exists()
