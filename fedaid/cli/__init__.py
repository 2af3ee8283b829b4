"""`fedaid` command line: thin wrappers that parse arguments and call the domain.

Each subcommand group lives in its own module with a `register(subparsers)` function.
Expected failures print one line (`fedaid: error: …`) and exit 2; there are no tracebacks for bad input.
"""

from __future__ import annotations

import argparse
import sys

from fedaid.cli import agreements, alliances, collective, follows, media, members, proposals, serve
from fedaid.errors import FedaidError

COMMAND_GROUPS = (serve, members, collective, alliances, follows, proposals, agreements, media)


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
    except KeyboardInterrupt:
        return 130
