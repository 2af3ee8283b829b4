"""Finding known actors by name, for the client API's account search."""

from __future__ import annotations

from tortoise.expressions import Q

from fedaid.models import Actor


async def search_actors(name: str, *, limit: int, offset: int = 0, followed_by: Actor | None = None) -> list[Actor]:
    """Discoverable people and groups whose user name or display name contains `name`, this instance's first;
    only those `followed_by` follows when given."""
    query = Actor.filter(
        Q(username__icontains=name) | Q(name__icontains=name),
        deleted_at__isnull=True,
        discoverable=True,
        type__in=("Person", "Group"),
    )
    if followed_by is not None:
        query = query.filter(follower_rows__follower_id=followed_by.id)
    return list(await query.order_by("-is_local", "username").offset(offset).limit(limit))
