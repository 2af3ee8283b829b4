"""`fedaid agreement list|take|accept|confirm`: who helps whom, and the confirmations the ledger counts."""

from __future__ import annotations

import argparse
from decimal import Decimal

from fedaid.cli.context import run_as_member
from fedaid.cli.proposals import parse_hours
from fedaid.domain import agreements, exchanges, proposals
from fedaid.domain.ledger import Ledger, ledger_of
from fedaid.models import Actor, Agreement, Exchange


def register(subparsers: argparse._SubParsersAction) -> None:
    agreement = subparsers.add_parser("agreement", help="take up, accept and confirm agreements")
    actions = agreement.add_subparsers(dest="action", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="a member's agreements and ledger")
    listing.add_argument("--as", dest="member", required=True, metavar="USERNAME")
    listing.set_defaults(handler=run_list)

    take = actions.add_parser(
        "take",
        help="take up an offer or request (here: agreed at once; elsewhere: an Offer its author accepts or rejects)",
    )
    take.add_argument("proposal_id", type=int)
    take.add_argument("--as", dest="member", required=True, metavar="USERNAME")
    take.add_argument("--hours", help="how many of its hours (default: all that are left)")
    take.set_defaults(handler=run_take)

    accept = actions.add_parser("accept", help="accept an agreement offered on one of your proposals")
    accept.add_argument("id", type=int)
    accept.add_argument("--as", dest="member", required=True, metavar="USERNAME", help="the proposal's author")
    accept.set_defaults(handler=run_accept)

    confirm = actions.add_parser("confirm", help="confirm that the agreed help was given (both sides do)")
    confirm.add_argument("id", type=int)
    confirm.add_argument("--as", dest="member", required=True, metavar="USERNAME", help="provider or receiver")
    confirm.set_defaults(handler=run_confirm)


def describe(agreement: Agreement) -> str:
    return (
        f"#{agreement.id}\t{agreement.state}\t{agreement.hours} h\t@{agreement.provider.acct} helps "
        f"@{agreement.receiver.acct}\t{agreement.proposal.title}"
    )


def run_list(args: argparse.Namespace) -> int:
    async def agreements_and_ledger(member: Actor) -> tuple[list[Agreement], Ledger]:
        return await agreements.list_agreements(member), await ledger_of(member)

    rows, ledger = run_as_member(args.member, agreements_and_ledger)
    for row in rows:
        print(describe(row))
    print(f"{len(rows)} agreement(s); hours given {ledger.given}, received {ledger.received}")
    for domain, tally in sorted(ledger.by_collective.items()):
        print(f"  with {domain}: given {tally.given}, received {tally.received}")
    return 0


def run_take(args: argparse.Namespace) -> int:
    hours = parse_hours(args.hours) if args.hours else None
    print(describe(run_as_member(args.member, lambda member: take(args.proposal_id, member, hours))))
    return 0


async def take(proposal_id: int, member: Actor, hours: Decimal | None) -> Agreement:
    """Agreed at once on a proposal from here; an Offer(Agreement) to the author of one from elsewhere."""
    proposal = await proposals.get_proposal(proposal_id)
    if proposal.post.is_local:
        agreement = await agreements.accept_proposal(proposal, member, hours=hours)
    else:
        agreement = await agreements.offer_agreement(proposal, member, hours=hours)
    return await agreements.get_agreement(agreement.id)


def run_accept(args: argparse.Namespace) -> int:
    async def accept(member: Actor) -> Agreement:
        await agreements.accept_agreement(await agreements.get_agreement(args.id), by=member)
        return await agreements.get_agreement(args.id)

    print(describe(run_as_member(args.member, accept)))
    return 0


def run_confirm(args: argparse.Namespace) -> int:
    async def confirm(member: Actor) -> Exchange:
        return await exchanges.confirm_exchange(await agreements.get_agreement(args.id), by=member)

    exchange = run_as_member(args.member, confirm)
    state = "counted in both ledgers" if exchange.is_confirmed else "waiting for the other side's confirmation"
    print(f"Agreement #{args.id}: {exchange.hours} h confirmed, {state}.")
    return 0
