"""Fixtures for mail and push tests: a real SMTP server on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from fakes.smtp import FakeSmtpServer


@pytest.fixture
async def smtp() -> AsyncIterator[FakeSmtpServer]:
    server = await FakeSmtpServer().start()
    yield server
    await server.close()
