"""`fedaid member add|list|remove|reset-password`."""

from __future__ import annotations

import argparse
import sys

from fedaid.cli.context import initialise_data_dir, load_settings, run_in_database
from fedaid.domain import leaving, members, password_resets
from fedaid.errors import InvalidInput
from fedaid.models import AccountRole


def register(subparsers: argparse._SubParsersAction) -> None:
    member = subparsers.add_parser("member", help="manage the members of this instance")
    actions = member.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="create a member account")
    add.add_argument("username")
    add.add_argument("--email", required=True)
    add.add_argument("--admin", action="store_true", help="give the admin role")
    add.add_argument("--organiser", action="store_true", help="give the organiser role (publishes demands)")
    add.add_argument(
        "--password-stdin",
        action="store_true",
        required=True,
        help="read the password from standard input (required: never pass it as an argument)",
    )
    add.set_defaults(handler=run_add)

    actions.add_parser("list", help="list members").set_defaults(handler=run_list)

    remove = actions.add_parser("remove", help="close a member's account (its URL then answers 410)")
    remove.add_argument("username")
    remove.set_defaults(handler=run_remove)

    reset = actions.add_parser(
        "reset-password",
        help="print a one-time link (valid one hour) with which a member chooses a new password; "
        "with --password-stdin, set the password read from standard input instead",
    )
    reset.add_argument("username")
    reset.add_argument("--password-stdin", action="store_true", help="set the password read from standard input")
    reset.set_defaults(handler=run_reset_password)


def read_password() -> str:
    password = sys.stdin.readline().rstrip("\n")
    if not password:
        raise InvalidInput('No password on standard input: pipe it in, e.g. `printf %s "$PW" | fedaid member add …`.')
    return password


def run_add(args: argparse.Namespace) -> int:
    settings = initialise_data_dir(load_settings())
    password = read_password()
    role = AccountRole.ADMIN if args.admin else AccountRole.ORGANISER if args.organiser else AccountRole.MEMBER

    async def add(_actors) -> members.Member:
        return await members.add_member(
            settings.base_url, args.username, email=args.email, password=password, role=role
        )

    member = run_in_database(settings, add)
    print(f"Added {member.account.role} @{member.actor.acct} ({member.actor.ap_id})")
    return 0


def run_list(args: argparse.Namespace) -> int:
    settings = initialise_data_dir(load_settings())
    rows = run_in_database(settings, lambda _actors: members.list_members())
    for member in rows:
        print(f"@{member.actor.acct}\t{member.account.email}\t{member.account.role}\t{member.account.state}")
    print(f"{len(rows)} member(s)")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    settings = initialise_data_dir(load_settings())
    actor = run_in_database(settings, lambda _actors: leaving.remove_member(args.username))
    print(f"Removed @{actor.acct}; {actor.ap_id} now answers 410 Gone.")
    return 0


def run_reset_password(args: argparse.Namespace) -> int:
    """Without mail, the admin hands the member a link (or sets a password); their sessions and apps end."""
    settings = initialise_data_dir(load_settings())
    if args.password_stdin:
        password = read_password()
        run_in_database(settings, lambda _actors: password_resets.set_password(args.username, password))
        print(f"Password of {args.username} set; their browsers and apps are signed out.")
        return 0
    link = run_in_database(settings, lambda _actors: password_resets.reset_link_for(args.username, settings.base_url))
    print(f"Give this link to {args.username}; it works once, within one hour:")
    print(link)
    return 0
