"""Memory: one `fedaid serve` process on SQLite (web and embedded worker), first run, idle after a few pages,
stays under 120 MB resident. Heavy libraries (Pillow, pywebpush and requests, icalendar, ua-parser) load
where used, and the first run's migrations are applied in a child process that takes their peak with it."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import aiohttp
import pytest

from ops.processes import Process, fedaid_env, free_port, wait_http

LIMIT_MB = 120


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS line")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
async def test_an_idle_sqlite_instance_stays_under_120_mb(tmp_path):
    port = free_port()
    env = fedaid_env(tmp_path / "data", port)
    server = Process("serve", ("serve", "--port", str(port)), env, tmp_path / "serve.log")
    try:
        server.start()
        base = env["FEDAID_BASE_URL"]
        await wait_http(f"{base}/healthz", process=server)
        async with aiohttp.ClientSession() as session:
            for path in ("/", "/c/collective", "/.well-known/nodeinfo", "/api/v1/timelines/public", "/readyz"):
                async with session.get(base + path) as answer:
                    assert answer.status == 200, path
        await asyncio.sleep(2)  # a few idle worker passes
        resident = resident_mb(server.popen.pid)
    finally:
        server.stop()
    print(f"idle RSS of `fedaid serve` on SQLite: {resident:.1f} MB")
    assert resident < LIMIT_MB, f"{resident:.1f} MB resident"
