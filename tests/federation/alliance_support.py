"""Helpers of the alliance tests: the `fedaid` command against a running instance, and each side's list."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from fedaid.domain import alliances
from fedaid.domain.instance import get_collective


def fedaid_cli(instance, *args: str) -> subprocess.CompletedProcess:
    """Run the `fedaid` command against a running instance's data folder and database."""
    settings = instance.settings
    env = {
        **os.environ,
        "FEDAID_DATA_DIR": str(settings.data_dir),
        "FEDAID_DATABASE_URL": settings.database_url,
        "FEDAID_BASE_URL": settings.base_url,
        "FEDAID_COLLECTIVE_SLUG": settings.collective_slug,
        "FEDAID_COLLECTIVE_NAME": settings.collective_name,
        "FEDAID_SECRET_KEY": settings.secret_key,
        "FEDAID_ALLOW_HTTP": "true",
        "FEDAID_ALLOW_PRIVATE_ADDRESSES": "true",
        "FEDAID_FEDERATION_MODE": settings.federation_mode,
        "FEDAID_LOG_LEVEL": "WARNING",
    }
    return subprocess.run([sys.executable, "-m", "fedaid", *args], env=env, capture_output=True, text=True, timeout=60)


async def cli(instance, *args: str) -> str:
    result = await asyncio.to_thread(fedaid_cli, instance, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


async def alliances_of(instance) -> dict[str, str]:
    with instance.db.active():
        ours = await get_collective(instance.settings.collective_slug)
        return {a.group.acct: a.status for a in await alliances.list_alliances(ours)}


def acct(instance) -> str:
    return f"@{instance.settings.collective_slug}@{instance.settings.domain}"
