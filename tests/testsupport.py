"""Test support shared by every test folder: paths to the shared vectors, databases on SQLite and
PostgreSQL, and running instances. Import it as `testsupport` (tests/ is on sys.path); fixtures that
use it live in tests/conftest.py.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from aiohttp import web

from fedaid.app import worker_jobs
from fedaid.config import Settings
from fedaid.db import Database
from fedaid.worker import run_jobs_once

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"
FIXTURES = SHARED / "fixtures" / "real"
VECTORS = SHARED / "vectors"

POSTGRES_ADMIN_URL = os.environ.get("FEDAID_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("FEDAID_TEST_REQUIRE_POSTGRES", "") == "1"
TEMPLATE_DB = f"fedaid_test_tpl_{os.getpid()}"
_db_numbers = itertools.count()
postgres_state: dict[str, object] = {}

BACKENDS = ("sqlite", "postgres")


def postgres_url(name: str) -> str:
    base, _, _ = POSTGRES_ADMIN_URL.rpartition("/")
    return f"{base}/{name}"


async def admin_execute(*statements: str) -> None:
    conn = await asyncpg.connect(POSTGRES_ADMIN_URL.replace("postgres://", "postgresql://", 1))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def ensure_postgres_template() -> None:
    """Create, once per test run, a migrated template database to clone for each test."""
    if "ready" in postgres_state:
        return
    try:
        await admin_execute(f'DROP DATABASE IF EXISTS "{TEMPLATE_DB}"', f'CREATE DATABASE "{TEMPLATE_DB}"')
    except (OSError, asyncpg.PostgresError) as err:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required (FEDAID_TEST_REQUIRE_POSTGRES=1) but unreachable: {err}")
        pytest.skip(f"PostgreSQL unreachable at {POSTGRES_ADMIN_URL}: {err}")
    template = Database(postgres_url(TEMPLATE_DB))
    await template.connect()
    await template.migrate()
    await template.close()
    postgres_state["ready"] = True


async def new_database(backend: str, tmp_path: Path) -> Database:
    """A connected database with the full schema, empty."""
    number = next(_db_numbers)
    if backend == "sqlite":
        db = Database(f"sqlite://{tmp_path / f'db{number}.sqlite3'}")
        await db.connect()
        await db.migrate()
        return db
    await ensure_postgres_template()
    name = f"fedaid_test_{os.getpid()}_{number}"
    await admin_execute(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE_DB}"')
    db = Database(postgres_url(name))
    await db.connect()
    return db


async def drop_database(db: Database) -> None:
    await db.close()
    if not db.is_sqlite:
        name = db.url.rsplit("/", 1)[1]
        await admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class RunningInstance:
    """A fedaid instance serving on a loopback port, with its own database."""

    settings: Settings
    app: web.Application
    db: Database
    runner: web.AppRunner

    @property
    def base_url(self) -> str:
        return self.settings.base_url

    async def run_worker_once(self) -> int:
        """One pass over every queue of this instance (deliveries, inbox, expiry...)."""
        with self.db.active():
            return await run_jobs_once(worker_jobs(self.app))


async def drain(*instances: RunningInstance, max_passes: int = 50) -> None:
    """Run worker passes on every instance until none of them has work left."""
    for _ in range(max_passes):
        if sum([await instance.run_worker_once() for instance in instances]) == 0:
            return
    raise AssertionError(f"the queues did not drain in {max_passes} passes")


PASSWORD = "correct horse battery"
