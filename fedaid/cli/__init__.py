"""`fedaid` command line: thin wrappers that parse arguments and call the domain.

Each subcommand group lives in its own module with a `register(subparsers)` function.
Expected failures print one line (`fedaid: error: …`) and exit 2; there are no tracebacks for bad input.
"""

from __future__ import annotations

import argparse
import sys

from fedaid.cli import (
    agreements,
    alliances,
    backup,
    check,
    circles,
    collective,
    demands,
    follows,
    media,
    members,
    proposals,
    serve,
)
from fedaid.errors import FedaidError
from fedaid.storage.availability import DATABASE_ERRORS

DATABASE_ADVICE = "Check FEDAID_DATABASE_URL; restore a damaged SQLite file from a backup"

COMMAND_GROUPS = (
    serve, members, collective, alliances, follows, proposals, agreements, media, demands, circles, check, backup,
)  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fedaid", description="A federated mutual-aid server for collectives.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for group in COMMAND_GROUPS:
        group.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `fedaid` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args) or 0
    except FedaidError as err:
        print(f"fedaid: error: {err}", file=sys.stderr)
        return 2
    except DATABASE_ERRORS as err:
        # A damaged or unreadable file, or a server that went away: raised by whichever query met it first.
        print(f"fedaid: error: the database cannot be used: {_one_line(err)}. {DATABASE_ADVICE}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or err.__class__.__name__
