"""`fedaid follow|unfollow @user@host --as USERNAME`: a member follows someone on another server.

The command only records the follow and queues the Follow (or Undo); the worker delivers it.
"""

from __future__ import annotations

import argparse

from fedaid.cli.context import initialise_data_dir, load_settings, run_in_database
from fedaid.config import Settings
from fedaid.domain import follows
from fedaid.domain.actors import find_actor_by_acct
from fedaid.domain.instance import InstanceActors
from fedaid.domain.members import get_member
from fedaid.errors import NotFound
from fedaid.federation.accts import parse_acct
from fedaid.federation.remote_actors import RemoteActors
from fedaid.models import Actor


def register(subparsers: argparse._SubParsersAction) -> None:
    follow = subparsers.add_parser("follow", help="make a member follow an account on another server")
    follow.add_argument("acct", help="the account to follow, e.g. @alice@mastodon.example")
    follow.add_argument("--as", dest="member", required=True, metavar="USERNAME", help="the member who follows")
    follow.set_defaults(handler=run_follow)

    unfollow = subparsers.add_parser("unfollow", help="make a member stop following an account")
    unfollow.add_argument("acct")
    unfollow.add_argument("--as", dest="member", required=True, metavar="USERNAME")
    unfollow.set_defaults(handler=run_unfollow)


async def resolve_remote(settings: Settings, actors: InstanceActors, acct: str) -> Actor:
    """The actor `acct` names, found by WebFinger and fetched with GETs signed as the instance actor."""
    from fedaid.app import USER_AGENT, instance_get_signer  # the wiring: where fetchers are built
    from fedaid.federation.fetch import Fetcher

    fetcher = Fetcher(
        allow_private_addresses=settings.allow_private_addresses,
        allow_http=settings.allow_http,
        user_agent=f"{USER_AGENT} (+{settings.base_url})",
        sign=instance_get_signer(actors.instance),
    )
    async with fetcher:
        return await RemoteActors(fetcher, local_domain=settings.domain).resolve_acct(acct)


async def find_known(acct: str) -> Actor:
    """An actor this instance already knows, by `user@host`, without any network access."""
    username, host = parse_acct(acct)
    actor = await find_actor_by_acct(username, host)
    if actor is None:
        raise NotFound(f"This instance does not know {username}@{host}.")
    return actor


def run_follow(args: argparse.Namespace) -> int:
    settings = initialise_data_dir(load_settings())

    async def follow(actors: InstanceActors):
        member = await get_member(args.member)
        target = await resolve_remote(settings, actors, args.acct)
        return target, await follows.follow(member.actor, target)

    target, row = run_in_database(settings, follow)
    state = "following" if row.state == "accepted" else "follow requested (the worker sends it)"
    print(f"@{args.member} → @{target.acct}: {state}")
    return 0


def run_unfollow(args: argparse.Namespace) -> int:
    settings = initialise_data_dir(load_settings())

    async def unfollow(_actors: InstanceActors) -> bool:
        member = await get_member(args.member)
        return await follows.unfollow(member.actor, await find_known(args.acct))

    if run_in_database(settings, unfollow):
        print(f"@{args.member} no longer follows {args.acct} (the worker sends the Undo).")
    else:
        print(f"@{args.member} was not following {args.acct}.")
    return 0
