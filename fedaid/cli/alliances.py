"""`fedaid alliance list|request|approve|reject|end` and `fedaid domain list|allow|silence|block|clear`.

Alliances between our collective and others, and the domain policies that decide who may ally
(`allowlist` mode) or reach us at all. `alliance request` finds the other collective over the
network; every command only records the change and queues what must be sent (Follow, Accept,
Reject, Undo): the worker delivers it.
"""

from __future__ import annotations

import argparse

from fedaid.cli.context import initialise_data_dir, load_settings, run_in_database
from fedaid.cli.follows import find_known, resolve_remote
from fedaid.domain import alliances, policy, suspension
from fedaid.domain.instance import InstanceActors
from fedaid.models import PolicyKind

ACTIONS = {
    "request": "ask another collective to ally (a Follow of its Group)",
    "approve": "accept another collective's request",
    "reject": "refuse another collective's request",
    "end": "end an alliance (both follows)",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    alliance = subparsers.add_parser("alliance", help="alliances with other collectives")
    actions = alliance.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="list alliances and pending requests").set_defaults(handler=run_list)
    for name, help_text in ACTIONS.items():
        action = actions.add_parser(name, help=help_text)
        action.add_argument("acct", help="the other collective, e.g. @coworking@cowork.example")
        action.set_defaults(handler=run_action)

    domain = subparsers.add_parser("domain", help="allow, silence or block other servers")
    verbs = domain.add_subparsers(dest="action", metavar="ACTION", required=True)
    verbs.add_parser("list", help="list domain policies").set_defaults(handler=run_domain_list)
    for kind in PolicyKind:
        verb = verbs.add_parser(kind.value, help=DOMAIN_HELP[kind])
        verb.add_argument("domain", help="e.g. example.org (its subdomains are covered too)")
        verb.add_argument("--reason", default="")
        if kind == PolicyKind.BLOCK:
            verb.add_argument("--dry-run", action="store_true", help="only list what the suspension would do")
        verb.set_defaults(handler=run_domain_block if kind == PolicyKind.BLOCK else run_domain_set, kind=kind)
    clear = verbs.add_parser("clear", help="remove a domain's policy")
    clear.add_argument("domain")
    clear.set_defaults(handler=run_domain_clear)


DOMAIN_HELP = {
    PolicyKind.ALLOW: "let a domain's collectives ask for an alliance (federation mode allowlist)",
    PolicyKind.SILENCE: "keep a domain's posts out of public timelines",
    PolicyKind.BLOCK: "suspend a domain: Reject/Undo its follows, remove its posts, refuse everything from it (403)",
}


def run_list(args: argparse.Namespace) -> int:
    settings = initialise_data_dir(load_settings())
    rows = run_in_database(settings, lambda actors: alliances.list_alliances(actors.collective))
    for alliance in rows:
        print(f"@{alliance.group.acct}\t{alliance.status}\t{alliance.group.ap_id}")
    print(f"{len(rows)} alliance(s) or request(s)")
    return 0


def run_action(args: argparse.Namespace) -> int:
    settings = initialise_data_dir(load_settings())

    async def act(actors: InstanceActors) -> str:
        ours = actors.collective
        if args.action == "request":
            group = await resolve_remote(settings, actors, args.acct)
            row = await alliances.request_alliance(ours, group)
            return f"Asked @{group.acct} to ally ({row.state}); the worker sends the request."
        group = await find_known(args.acct)
        if args.action == "approve":
            await alliances.approve_alliance(ours, group)
            return f"Allied with @{group.acct}; the worker sends the Accept and our follow back."
        if args.action == "reject":
            await alliances.reject_alliance(ours, group)
            return f"Refused @{group.acct}'s request."
        ended = await alliances.end_alliance(ours, group)
        return f"Ended the alliance with @{group.acct}." if ended else f"There was no alliance with @{group.acct}."

    print(run_in_database(settings, act))
    return 0


def run_domain_list(args: argparse.Namespace) -> int:
    settings = initialise_data_dir(load_settings())
    rows = run_in_database(settings, lambda _actors: policy.list_domain_policies())
    print(f"federation mode: {settings.federation_mode}")
    for row in rows:
        print(f"{row.domain}\t{row.kind}\t{row.reason}")
    print(f"{len(rows)} domain polic{'y' if len(rows) == 1 else 'ies'}")
    return 0


def run_domain_set(args: argparse.Namespace) -> int:
    settings = initialise_data_dir(load_settings())
    row = run_in_database(
        settings, lambda _actors: policy.set_domain_policy(args.domain, args.kind, reason=args.reason)
    )
    print(f"{row.domain}: {row.kind}")
    return 0


def run_domain_block(args: argparse.Namespace) -> int:
    """Suspend a domain as the federation page does; `--dry-run` only lists the consequences."""
    settings = initialise_data_dir(load_settings())
    if args.dry_run:
        done = run_in_database(settings, lambda _actors: suspension.consequences(args.domain))
    else:
        done = run_in_database(
            settings, lambda _actors: suspension.suspend_domain(args.domain, reason=args.reason, by=None)
        )
    verb = "would" if args.dry_run else "did"
    print(f"{done.domain}: {'suspension (dry run)' if args.dry_run else 'block'}")
    print(f"their follows of ours rejected ({verb}): {done.followers_here}")
    print(f"our follows of theirs undone ({verb}): {done.followed_there}")
    print(f"stored posts removed ({verb}): {done.posts}")
    print(f"open agreements cancelled ({verb}): {done.open_agreements}")
    print(f"alliances ended ({verb}): {', '.join(done.alliances) or 'none'}")
    return 0


def run_domain_clear(args: argparse.Namespace) -> int:
    settings = initialise_data_dir(load_settings())
    removed = run_in_database(settings, lambda _actors: policy.clear_domain_policy(args.domain))
    print(f"{args.domain}: policy removed" if removed else f"{args.domain} had no policy")
    return 0
