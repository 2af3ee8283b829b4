"""Local actors: the instance actor, groups (collectives) and members, with their keys and URLs.

The URL layout lives here once: every row stores its `ap_id` at creation, so nothing else builds them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tortoise.exceptions import IntegrityError

from fedaid.activitypub.sanitize import clean_display_name
from fedaid.clock import utcnow
from fedaid.errors import Conflict, InvalidInput, NotFound
from fedaid.keys import generate_key_pair
from fedaid.models import Actor, ActorType

USERNAME_PATTERN = re.compile(r"^[a-z0-9_]{1,30}$")
RESERVED_NAMES = frozenset(
    {
        "actor",
        "admin",
        "api",
        "inbox",
        "about",
        "c",
        "u",
        "tags",
        "static",
        "oauth",
        "settings",
        "signin",
        "signup",
        "signout",
        "search",
        "well-known",
        "nodeinfo",
    }
)
_PATH_PREFIX = {ActorType.PERSON: "/u/", ActorType.GROUP: "/c/"}
MAX_NAME_LENGTH = 255  # Actor.name


def display_name(name: str, username: str) -> str:
    """The name a local actor shows: cleaned as every name is (`clean_display_name`), else its username."""
    return clean_display_name(name or "")[:MAX_NAME_LENGTH] or username


def check_username(username: str) -> str:
    """The username, if it can name a member or a group; otherwise InvalidInput saying why."""
    if not USERNAME_PATTERN.match(username):
        raise InvalidInput("A name uses 1 to 30 lowercase letters, digits or underscores.")
    if username in RESERVED_NAMES:
        raise InvalidInput(f"The name {username!r} is reserved.")
    return username


async def create_local_actor(
    base_url: str,
    *,
    type: ActorType,
    username: str,
    name: str = "",
    summary: str = "",
    manually_approves_followers: bool = False,
) -> Actor:
    """A new local actor with a fresh RSA key pair; usernames and group slugs share one namespace."""
    domain = base_url.split("://", 1)[1]
    if type == ActorType.APPLICATION:
        ap_id = f"{base_url}/actor"
    else:
        ap_id = f"{base_url}{_PATH_PREFIX[type]}{check_username(username)}"
    if await Actor.filter(username=username, domain=domain).exists():
        raise Conflict(f"The name {username!r} is already taken on this instance.")
    private_pem, public_pem = generate_key_pair()
    try:
        return await Actor.create(
            ap_id=ap_id,
            type=type,
            username=username,
            domain=domain,
            is_local=True,
            name=display_name(name, username),
            summary=summary,
            url=ap_id,
            inbox=f"{ap_id}/inbox",
            shared_inbox=f"{base_url}/inbox",
            outbox=f"{ap_id}/outbox",
            followers_url=f"{ap_id}/followers",
            following_url=f"{ap_id}/following",
            key_id=f"{ap_id}#main-key",
            public_key_pem=public_pem,
            private_key_pem=private_pem,
            manually_approves_followers=manually_approves_followers,
            discoverable=True,
            published_at=utcnow(),
        )
    except IntegrityError as err:
        raise Conflict(f"The name {username!r} is already taken on this instance.") from err


async def get_local_actor(username: str, *, types: tuple[ActorType, ...] | None = None) -> Actor:
    """A local actor by username or slug, deleted ones included (they answer 410); NotFound otherwise."""
    query = Actor.filter(username=username, is_local=True)
    if types:
        query = query.filter(type__in=types)
    actor = await query.first()
    if actor is None:
        raise NotFound(f"There is no {username!r} here.")
    return actor


async def load_actors(ids: Iterable[int]) -> dict[int, Actor]:
    """Actors by id, each loaded once (the signers of a delivery pass)."""
    return {actor.id: actor for actor in await Actor.filter(id__in=sorted(set(ids)))}


async def find_local_actor_named(username: str) -> Actor | None:
    """The actor of this instance with that user name, whatever its case (deleted ones included)."""
    return await Actor.filter(is_local=True, username__iexact=username).first()


async def find_local_actor(ap_id: str | None) -> Actor | None:
    """The actor of this instance with that AS2 id, or None."""
    if ap_id is None:
        return None
    return await Actor.get_or_none(ap_id=ap_id, is_local=True)


async def get_instance_actor() -> Actor:
    actor = await Actor.filter(is_local=True, type=ActorType.APPLICATION).first()
    if actor is None:
        raise NotFound("The instance is not initialised yet: run `fedaid migrate` then `fedaid serve`.")
    return actor


async def find_actor(actor_id: int) -> Actor | None:
    """The actor with this id, unless deleted."""
    return await Actor.get_or_none(id=actor_id, deleted_at__isnull=True)


async def find_remote_group(actor_id: int) -> Actor | None:
    """The group from another server with this id (a collective one may ally with), or None."""
    return await Actor.get_or_none(id=actor_id, type=ActorType.GROUP, is_local=False)


async def find_actor_by_acct(username: str, domain: str) -> Actor | None:
    """The known actor `username@domain` (any case of the name), unless deleted."""
    return await Actor.filter(username__iexact=username, domain=domain, deleted_at__isnull=True).first()
