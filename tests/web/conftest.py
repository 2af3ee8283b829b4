"""Fixtures for the page tests: a cookie-keeping HTTP client per person, and instances with members."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, for `tests.web.helpers`

import os  # noqa: E402
import shutil  # noqa: E402
from collections.abc import AsyncIterator  # noqa: E402

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


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    """Debian's Chromium, headless, driven by Playwright; nothing is downloaded."""
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        if REQUIRE_BROWSER:
            raise
        pytest.skip("playwright is not installed (pip install playwright)")
    if not shutil.which(CHROMIUM):
        if REQUIRE_BROWSER:
            pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()
