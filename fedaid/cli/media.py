"""`fedaid media prune [--remote-days N]`: remove media files nothing refers to any more.

Uploads never attached to a post (after a day), attachments of deleted posts, stray files, and, with
--remote-days, the cached copies of other servers' media older than that (they stay as links).
"""

from __future__ import annotations

import argparse
from datetime import timedelta

from fedaid.cli.context import initialise_data_dir, load_settings, run_in_database
from fedaid.domain import media_cleanup
from fedaid.domain.instance import InstanceActors
from fedaid.filestore import LocalFileStore


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser("media", help="media files: prune what nothing refers to")
    commands = group.add_subparsers(dest="media_command", required=True)
    prune = commands.add_parser("prune", help="delete orphaned uploads and old cached remote media")
    prune.add_argument(
        "--remote-days",
        type=int,
        default=None,
        metavar="N",
        help="also drop cached copies of remote media fetched more than N days ago",
    )
    prune.set_defaults(handler=run_prune)


def run_prune(args: argparse.Namespace) -> int:
    settings = initialise_data_dir(load_settings())
    store = LocalFileStore(settings.media_dir)
    older = timedelta(days=args.remote_days) if args.remote_days is not None else None

    async def prune(_actors: InstanceActors) -> dict[str, int]:
        return await media_cleanup.prune(store, remote_older_than=older)

    done = run_in_database(settings, prune)
    print(
        f"{done['attachments_removed']} attachments removed, {done['remote_uncached']} remote copies dropped, "
        f"{done['files_deleted']} files deleted, {done['interrupted_files']} files of interrupted removals or writes"
        " taken back."
    )
    return 0
