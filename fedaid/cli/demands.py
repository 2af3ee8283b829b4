"""`fedaid demand add|list|publish|status|export`: collective demands, as members and organisers use the pages."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from fedaid.cli.context import initialise_data_dir, load_settings, run_as_member, run_in_database
from fedaid.domain import demand_views, demands
from fedaid.errors import InvalidInput
from fedaid.models import Actor, Demand, DemandStatus


def register(subparsers: argparse._SubParsersAction) -> None:
    demand = subparsers.add_parser("demand", help="draft, publish, move along and export collective demands")
    actions = demand.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="draft a demand of the collective for a member")
    add.add_argument("title")
    add.add_argument("--as", dest="member", required=True, metavar="USERNAME", help="the member who drafts it")
    add.add_argument("--target", required=True, help="who it is addressed to, e.g. a platform")
    add.add_argument("--claim", dest="claims", action="append", required=True, help="a claim (repeat for more)")
    add.add_argument("--deadline", required=True, help="last moment of support, ISO 8601 with a time zone")
    add.add_argument("--text", default="", help="why: the situation in a few sentences")
    add.add_argument("--language", choices=("fr", "en"), default="fr")
    add.set_defaults(handler=run_add)

    listing = actions.add_parser("list", help="demands here and from allied collectives, open ones first")
    listing.add_argument("--status", choices=[status.value for status in DemandStatus], default=None)
    listing.set_defaults(handler=run_list)

    publish = actions.add_parser("publish", help="publish a draft (admins and organisers)")
    publish.add_argument("id", type=int)
    publish.add_argument("--as", dest="member", required=True, metavar="USERNAME")
    publish.set_defaults(handler=run_publish)

    status = actions.add_parser("status", help="move a demand along, or withdraw it (admins and organisers)")
    status.add_argument("id", type=int)
    status.add_argument("status", choices=[s.value for s in DemandStatus if s not in (DemandStatus.DRAFT,)])
    status.add_argument("--as", dest="member", required=True, metavar="USERNAME")
    status.set_defaults(handler=run_status)

    export = actions.add_parser("export", help="named supporters and co-signing collectives as CSV, on stdout")
    export.add_argument("id", type=int)
    export.set_defaults(handler=run_export)


def parse_deadline(raw: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(
            f"--deadline must be an ISO 8601 date and time, e.g. 2026-12-31T18:00+01:00 (got {raw!r})."
        ) from None
    if moment.tzinfo is None:
        raise InvalidInput("--deadline needs a time zone, e.g. 2026-12-31T18:00+01:00.")
    return moment


def run_add(args: argparse.Namespace) -> int:
    terms = demands.DemandTerms(
        title=args.title,
        text=args.text,
        target=args.target,
        claims=args.claims,
        deadline=parse_deadline(args.deadline),
        language=args.language,
    )
    demand = run_as_member(args.member, lambda member: demands.draft_demand(member, terms))
    print(f"Drafted demand #{demand.id}: {demand.title} (an organiser publishes it: fedaid demand publish {demand.id})")
    return 0


def run_list(args: argparse.Namespace) -> int:
    status = DemandStatus(args.status) if args.status else None
    rows = run_in_database(
        initialise_data_dir(load_settings()), lambda _actors: demand_views.list_demands(None, status=status)
    )
    for row in rows:
        deadline = row.deadline.isoformat() if row.deadline else "-"
        print(f"#{row.id}\t{row.status}\t@{row.collective.acct}\t{deadline}\t{row.title}")
    print(f"{len(rows)} demand(s)")
    return 0


def run_publish(args: argparse.Namespace) -> int:
    async def publish(member: Actor) -> Demand:
        return await demands.publish_demand(await demands.get_demand(args.id), by=member)

    demand = run_as_member(args.member, publish)
    print(f"Published #{demand.id}: {demand.ap_id} (the worker sends the Question)")
    return 0


def run_status(args: argparse.Namespace) -> int:
    async def change(member: Actor) -> Demand:
        return await demands.change_status(await demands.get_demand(args.id), DemandStatus(args.status), by=member)

    demand = run_as_member(args.member, change)
    print(f"#{demand.id} is now {demand.status} (the worker sends the Update).")
    return 0


def run_export(args: argparse.Namespace) -> int:
    async def table(_actors: object) -> str:
        return await demand_views.export_csv(await demands.get_demand(args.id))

    sys.stdout.write(run_in_database(initialise_data_dir(load_settings()), table))
    return 0
