"""Fixtures for the page tests: a cookie-keeping HTTP client per person, and instances with members."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, for `tests.web.helpers`

import os  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections.abc import AsyncIterator, Iterator  # noqa: E402

import pytest  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REQUIRE_BROWSER = os.environ.get("FEDAID_TEST_REQUIRE_BROWSER", "") == "1"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives Debian's Chromium with Playwright (SQLite only)")


@pytest.fixture(params=("sqlite",))
def backend(request: pytest.FixtureRequest) -> str:
    """Page tests run on SQLite: the queries they reach are covered on both backends by the domain tests
    (test_pages.py runs its crawl on both)."""
    return request.param


@pytest.fixture(scope="session")
def chromium_endpoint() -> Iterator[str]:
    """Debian's Chromium, launched once per test process (headless, listening for DevTools on a free port);
    each browser test connects to it and closes only its own contexts."""
    if not shutil.which(CHROMIUM):
        if REQUIRE_BROWSER:
            pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="fedaid-chromium-") as profile:
        process = subprocess.Popen(
            [CHROMIUM, "--headless", "--remote-debugging-port=0", f"--user-data-dir={profile}", *CHROMIUM_ARGS],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            yield devtools_address(process)
        finally:
            process.terminate()
            process.wait(timeout=10)


def devtools_address(process: subprocess.Popen[str]) -> str:
    """The `ws://` address Chromium prints once it listens (within 30 s, or the test fails saying so)."""
    assert process.stderr is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if line.startswith("DevTools listening on "):
            threading.Thread(target=process.stderr.read, daemon=True).start()  # keep its pipe drained
            return line.removeprefix("DevTools listening on ").strip()
        if not line and process.poll() is not None:
            break
    pytest.fail(f"{CHROMIUM} did not start (exit status {process.poll()})")


@pytest.fixture
async def browser(chromium_endpoint: str) -> AsyncIterator[object]:
    """A Playwright connection to the shared Chromium; nothing is downloaded."""
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        if REQUIRE_BROWSER:
            raise
        pytest.skip("playwright is not installed (pip install playwright)")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.connect_over_cdp(chromium_endpoint)
        try:
            yield chromium
        finally:
            for context in chromium.contexts:
                await context.close()
            await chromium.close()
