"""`fedaid check`: one line per problem found in the configuration, database and mail server; exit 0 or 1."""

from __future__ import annotations

import argparse
import asyncio
import os

from fedaid.ops.checks import run_checks


def register(subparsers: argparse._SubParsersAction) -> None:
    check = subparsers.add_parser(
        "check", help="check the configuration, database and mail server; exit 1 on a problem"
    )
    check.set_defaults(handler=run_check)


def run_check(args: argparse.Namespace) -> int:
    problems = asyncio.run(run_checks(os.environ))
    for problem in problems:
        print(f"problem: {problem}", flush=True)
    if problems:
        return 1
    print("fedaid check: no problem found.")
    return 0
