"""`fedaid proposal add|list|close`: offers and requests, as a member would publish them from the pages."""

from __future__ import annotations

import argparse
from datetime import datetime
from decimal import Decimal, InvalidOperation

from fedaid.cli.context import initialise_data_dir, load_settings, run_as_member, run_in_database
from fedaid.domain import proposals
from fedaid.domain.members import get_member
from fedaid.domain.proposal_queries import newest_proposals
from fedaid.errors import InvalidInput
from fedaid.models import Actor, Proposal, ProposalPurpose, ProposalStatus

LIST_LIMIT = 50


def register(subparsers: argparse._SubParsersAction) -> None:
    proposal = subparsers.add_parser("proposal", help="publish, list and close offers and requests")
    actions = proposal.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="publish an offer or a request for a member (federated by the worker)")
    add.add_argument("purpose", choices=[purpose.value for purpose in ProposalPurpose])
    add.add_argument("title")
    add.add_argument("--as", dest="member", required=True, metavar="USERNAME", help="the member who publishes it")
    add.add_argument("--text", default="", help="the details (default: the title)")
    add.add_argument("--category", default="", help="a category slug, e.g. transport")
    add.add_argument("--tag", dest="tags", action="append", default=[], help="a hashtag (repeat for more)")
    add.add_argument("--hours", default="1", help="hours offered or asked for (default 1)")
    add.add_argument("--place", default="", help="where, in words")
    add.add_argument("--expires", help="when it lapses, ISO 8601 with a time zone, e.g. 2026-12-31T18:00+01:00")
    add.set_defaults(handler=run_add)

    listing = actions.add_parser("list", help="the newest offers and requests")
    listing.add_argument("--status", choices=[status.value for status in ProposalStatus], default=None)
    listing.add_argument("--as", dest="member", metavar="USERNAME", help="only this member's")
    listing.set_defaults(handler=run_list)

    close = actions.add_parser("close", help="withdraw an offer or request (no new agreements)")
    close.add_argument("id", type=int)
    close.add_argument("--as", dest="member", required=True, metavar="USERNAME", help="its author")
    close.set_defaults(handler=run_close)


def parse_hours(raw: str) -> Decimal:
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise InvalidInput(f"--hours must be a number, e.g. 2 or 1.5 (got {raw!r}).") from None


def parse_moment(raw: str | None) -> datetime | None:
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(
            f"--expires must be an ISO 8601 date and time, e.g. 2026-12-31T18:00+01:00 (got {raw!r})."
        ) from None
    if moment.tzinfo is None:
        raise InvalidInput("--expires needs a time zone, e.g. 2026-12-31T18:00+01:00.")
    return moment


def run_add(args: argparse.Namespace) -> int:
    terms = proposals.ProposalTerms(
        purpose=ProposalPurpose(args.purpose),
        title=args.title,
        text=args.text or args.title,
        category=args.category,
        tags=args.tags,
        hours=parse_hours(args.hours),
        place_name=args.place,
        expires_at=parse_moment(args.expires),
    )
    proposal = run_as_member(args.member, lambda member: proposals.create_proposal(member, terms))
    print(f"Published {proposal.purpose} #{proposal.id}: {proposal.title} ({proposal.post.ap_id})")
    return 0


def run_list(args: argparse.Namespace) -> int:
    rows = run_in_database(initialise_data_dir(load_settings()), lambda _actors: newest(args.status, args.member))
    for row in rows:
        print(
            f"#{row.id}\t{row.purpose}\t{row.status}\t{row.available_hours}/{row.hours} h\t"
            f"@{row.post.author.acct}\t{row.title}"
        )
    print(f"{len(rows)} offer(s) and request(s)")
    return 0


async def newest(status: str | None, username: str | None) -> list[Proposal]:
    """The newest proposals, with this status and by this member when given."""
    author = (await get_member(username)).actor if username else None
    return await newest_proposals(LIST_LIMIT, status=status, author=author)


def run_close(args: argparse.Namespace) -> int:
    async def close(member: Actor) -> Proposal:
        return await proposals.close_proposal(await proposals.get_proposal(args.id), by=member)

    proposal = run_as_member(args.member, close)
    print(f"Closed #{proposal.id}: {proposal.title} (the worker sends the Update).")
    return 0
