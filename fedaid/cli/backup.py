"""`fedaid backup DEST` and `fedaid restore SOURCE` (fedaid/ops/backup.py says what a backup holds)."""

from __future__ import annotations

import argparse
from pathlib import Path

from fedaid.cli.context import load_settings
from fedaid.ops.backup import make_backup, restore_backup


def register(subparsers: argparse._SubParsersAction) -> None:
    backup = subparsers.add_parser("backup", help="save the database, fedaid.toml and media to a folder or .tar.gz")
    backup.add_argument("destination", type=Path, help="a new folder, or a file name ending in .tar.gz")
    backup.set_defaults(handler=run_backup)
    restore = subparsers.add_parser("restore", help="restore a backup into an empty data folder (and database)")
    restore.add_argument("source", type=Path, help="the backup folder or .tar.gz")
    restore.set_defaults(handler=run_restore)


def run_backup(args: argparse.Namespace) -> int:
    summary = make_backup(load_settings(), args.destination)
    print(f"Backup written to {summary.path}: {summary.files} file(s), {summary.bytes} bytes.")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    summary = restore_backup(args.source, load_settings())
    print(
        f"Restored {summary.files} file(s) into {summary.path}. "
        "Run `fedaid migrate` (or start fedaid, which migrates) if this version is newer than the backup's."
    )
    return 0
