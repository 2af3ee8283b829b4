"""`fedaid collective show|set`."""

from __future__ import annotations

import argparse

from fedaid.cli.context import initialise_data_dir, load_settings, run_in_database
from fedaid.domain.instance import count_local_members, update_collective


def register(subparsers: argparse._SubParsersAction) -> None:
    collective = subparsers.add_parser("collective", help="show or change the collective")
    actions = collective.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("show", help="show the collective").set_defaults(handler=run_show)
    change = actions.add_parser("set", help="change the collective's name or summary")
    change.add_argument("--name")
    change.add_argument("--summary")
    change.set_defaults(handler=run_set)


def run_show(args: argparse.Namespace) -> int:
    settings = initialise_data_dir(load_settings())

    async def show(actors) -> tuple:
        return actors.collective, await count_local_members()

    group, members = run_in_database(settings, show)
    print(f"{group.name} (@{group.acct})\n{group.ap_id}\nmembers: {members}")
    if group.summary:
        print(group.summary)
    return 0


def run_set(args: argparse.Namespace) -> int:
    settings = initialise_data_dir(load_settings())

    async def change(actors):
        return await update_collective(actors.collective.username, name=args.name, summary=args.summary)

    group = run_in_database(settings, change)
    print(f"Saved: {group.name} (@{group.acct})")
    return 0
