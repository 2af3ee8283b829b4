"""`fedaid circle add|list|facilitator`: coaching circles, as admins create them on /admin/circles."""

from __future__ import annotations

import argparse

from fedaid.cli.context import initialise_data_dir, load_settings, run_in_database
from fedaid.domain import circles
from fedaid.domain.members import get_member
from fedaid.domain.sessions import upcoming_sessions
from fedaid.models import Circle


def register(subparsers: argparse._SubParsersAction) -> None:
    circle = subparsers.add_parser("circle", help="create and list coaching circles, add facilitators")
    actions = circle.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="create a circle (its own Group actor, /c/SLUG)")
    add.add_argument("slug", help="its address: /c/SLUG and @SLUG@this-domain")
    add.add_argument("--name", required=True, help="its name, e.g. 'Cercle marketing'")
    add.add_argument("--facilitator", dest="facilitators", action="append", required=True, metavar="USERNAME",
                     help="a member who facilitates it (repeat for more)")  # fmt: skip
    add.add_argument("--topic", dest="topics", action="append", default=[], metavar="CATEGORY",
                     help="a coaching category's slug, e.g. marketing (repeat for more)")  # fmt: skip
    add.add_argument("--timezone", default="Europe/Paris", help="where its sessions' times are read")
    add.add_argument("--summary", default="", help="one paragraph saying what it is for")
    add.add_argument("--closed", action="store_true", help="a facilitator approves each new member")
    add.set_defaults(handler=run_add)

    listing = actions.add_parser("list", help="the circles hosted here, with facilitators and members")
    listing.set_defaults(handler=run_list)

    facilitator = actions.add_parser("facilitator", help="make a member a facilitator of a circle")
    facilitator.add_argument("slug")
    facilitator.add_argument("username")
    facilitator.set_defaults(handler=run_facilitator)


def run_add(args: argparse.Namespace) -> int:
    settings = initialise_data_dir(load_settings())

    async def create(_actors: object) -> Circle:
        people = tuple([(await get_member(name.lstrip("@"))).actor for name in args.facilitators])
        terms = circles.CircleTerms(
            slug=args.slug,
            name=args.name,
            summary=args.summary,
            timezone=args.timezone,
            topics=tuple(args.topics),
            is_open=not args.closed,
            facilitators=people,
        )
        return await circles.create_circle(settings.base_url, terms)

    circle = run_in_database(settings, create)
    kind = "closed" if not circle.is_open else "open"
    print(f"Created the {kind} circle {circle.actor.ap_id} (@{circle.actor.username}@{settings.domain})")
    return 0


def run_list(args: argparse.Namespace) -> int:
    async def rows(_actors: object) -> list[str]:
        found = []
        for circle in await circles.list_circles():
            facilitators = ",".join(f"@{person.username}" for person in await circles.facilitators_of(circle))
            members = len(await circles.members_of(circle))
            ahead = len(await upcoming_sessions(circle))
            kind = "open" if circle.is_open else "closed"
            found.append(
                f"{circle.actor.username}\t{kind}\t{circle.timezone}\t{','.join(circle.topics) or '-'}\t"
                f"{facilitators}\t{members} member(s)\t{ahead} session(s) ahead\t{circle.actor.name}"
            )
        return found

    found = run_in_database(initialise_data_dir(load_settings()), rows)
    for line in found:
        print(line)
    print(f"{len(found)} circle(s)")
    return 0


def run_facilitator(args: argparse.Namespace) -> int:
    async def add(_actors: object) -> None:
        circle = await circles.get_circle(args.slug)
        await circles.add_facilitator(circle, (await get_member(args.username.lstrip("@"))).actor)

    run_in_database(initialise_data_dir(load_settings()), add)
    print(f"@{args.username.lstrip('@')} now facilitates {args.slug}.")
    return 0
