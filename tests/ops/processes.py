"""Real `fedaid` processes for operations tests: start them, wait for them, read their logs, stop them."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from testsupport import REPO_ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fedaid_env(data_dir: Path, port: int, **extra: str) -> dict[str, str]:
    """The environment of an instance at http://127.0.0.1:<port> with its data in `data_dir`."""
    return {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "FEDAID_DATA_DIR": str(data_dir),
        "FEDAID_BASE_URL": f"http://127.0.0.1:{port}",
        "FEDAID_ALLOW_HTTP": "true",
        "FEDAID_ALLOW_PRIVATE_ADDRESSES": "true",
        **extra,
    }


def run_fedaid(*args: str, env: dict[str, str], stdin: str = "", timeout: float = 120) -> subprocess.CompletedProcess:
    """Run one `fedaid` command to its end."""
    return subprocess.run(
        [sys.executable, "-m", "fedaid", *args], env=env, input=stdin, capture_output=True, text=True, timeout=timeout
    )


@dataclass
class Process:
    """A long-running `fedaid` command whose output goes to a log file."""

    name: str
    args: tuple[str, ...]
    env: dict[str, str]
    log: Path
    popen: subprocess.Popen | None = field(default=None, repr=False)

    def start(self) -> Process:
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "fedaid", *self.args], env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        return self

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int | None:
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        return self.popen.returncode


async def wait_http(url: str, *, process: Process | None = None, timeout: float = 120) -> int:
    """Wait until `url` answers (any status); fails early if `process` exited. Returns the status."""
    deadline = asyncio.get_running_loop().time() + timeout
    async with aiohttp.ClientSession() as session:
        while True:
            if process is not None and not process.running:
                raise AssertionError(f"{process.name} exited:\n{process.output()[-3000:]}")
            try:
                async with session.get(url, timeout=aiohttp.ClientTimeout(total=5)) as answer:
                    return answer.status
            except (aiohttp.ClientError, TimeoutError):
                pass
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{url} did not answer in {timeout} s")
            await asyncio.sleep(0.2)


async def add_member_by_cli(username: str, env: dict[str, str]) -> None:
    """`fedaid member add` run as an admin would, with a password on its standard input."""
    added = await asyncio.to_thread(
        run_fedaid, "member", "add", username, "--email", f"{username}@example.org", "--password-stdin",
        env=env, stdin="a long passphrase\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
