"""Start-up failures of the real `fedaid` command: one line `fedaid: error: …` and exit status 2, no traceback."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from testsupport import sqlite_template


def fedaid(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fedaid", *args],
        env={**os.environ, **env},
        input="",
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_one_error_line(result: subprocess.CompletedProcess, *expected: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len([line for line in lines if line.startswith("fedaid:")]) == 1, result.stderr
    assert lines[-1].startswith("fedaid: error: ")
    for text in expected:
        assert text in lines[-1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def migrated_sqlite_file(folder: Path) -> Path:
    """A migrated SQLite file in `folder` (a copy of the tests' migrated template)."""
    folder.mkdir(parents=True)
    path = folder / "fedaid.sqlite3"
    shutil.copyfile(await sqlite_template(), path)
    return path


def damage_table(path: Path, table: str) -> None:
    """Overwrite the root page of `table` with garbage: the schema still reads, the table does not."""
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
        root = connection.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    connection.close()
    with path.open("r+b") as file:
        file.seek((root - 1) * page_size)
        file.write(b"\xab" * page_size)


@pytest.mark.parametrize(
    ("command", "table"),
    [
        (("member", "list"), "account"),
        (("member", "list"), "actor"),
        (("serve",), "actor"),
        (("worker", "--once"), "actor"),
    ],
)
async def test_a_damaged_sqlite_file_gives_one_line(tmp_path, command, table):
    path = await migrated_sqlite_file(tmp_path / "data")
    damage_table(path, table)
    if command[0] == "serve":
        command = ("serve", "--port", str(free_port()))

    result = await asyncio.to_thread(fedaid, *command, env={"FEDAID_DATA_DIR": str(tmp_path / "data")})

    assert_one_error_line(result, "database", "malformed")


@pytest.mark.parametrize("damage", ["garbage", "truncated header"])
async def test_a_file_that_is_no_database_gives_one_line(tmp_path, damage):
    data = tmp_path / "data"
    data.mkdir()
    path = data / "fedaid.sqlite3"
    if damage == "garbage":
        path.write_bytes(os.urandom(8192))
    else:
        path.write_bytes(b"SQLite format 3\x00" + b"\x10\x00" + b"\xff" * 50)

    result = await asyncio.to_thread(fedaid, "serve", "--port", str(free_port()), env={"FEDAID_DATA_DIR": str(data)})

    assert_one_error_line(result, "database")


async def test_a_port_in_use_gives_one_line(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {"FEDAID_DATA_DIR": str(tmp_path / "data")}

        result = await asyncio.to_thread(fedaid, "serve", "--port", str(port), "--no-worker", env=env)

    assert_one_error_line(result, f"127.0.0.1:{port}", "already in use")


@pytest.mark.parametrize("where", ["inside a file", "is a file"])
async def test_an_unwritable_data_folder_gives_one_line(tmp_path, where):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    data = blocker / "data" if where == "inside a file" else blocker

    result = await asyncio.to_thread(fedaid, "serve", "--port", str(free_port()), env={"FEDAID_DATA_DIR": str(data)})

    assert_one_error_line(result, "data folder", "FEDAID_DATA_DIR")
