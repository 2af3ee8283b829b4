"""Shared fixtures: settings, databases on SQLite and PostgreSQL, and paths to the shared vectors.

Every test that asks for `db` (or `make_database`) runs twice, once per backend. PostgreSQL
databases are cloned from a migrated template, so each test starts from an empty schema.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest

from fedaid.db import Database

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"
FIXTURES = SHARED / "fixtures" / "real"
VECTORS = SHARED / "vectors"

POSTGRES_ADMIN_URL = os.environ.get("FEDAID_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("FEDAID_TEST_REQUIRE_POSTGRES", "") == "1"
TEMPLATE_DB = f"fedaid_test_tpl_{os.getpid()}"
_db_numbers = itertools.count()
_postgres_state: dict[str, object] = {}

BACKENDS = ("sqlite", "postgres")


def postgres_url(name: str) -> str:
    base, _, _ = POSTGRES_ADMIN_URL.rpartition("/")
    return f"{base}/{name}"


async def _admin_execute(*statements: str) -> None:
    conn = await asyncpg.connect(POSTGRES_ADMIN_URL.replace("postgres://", "postgresql://", 1))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def _ensure_postgres_template() -> None:
    """Create, once per test run, a migrated template database to clone for each test."""
    if "ready" in _postgres_state:
        return
    try:
        await _admin_execute(f'DROP DATABASE IF EXISTS "{TEMPLATE_DB}"', f'CREATE DATABASE "{TEMPLATE_DB}"')
    except (OSError, asyncpg.PostgresError) as err:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required (FEDAID_TEST_REQUIRE_POSTGRES=1) but unreachable: {err}")
        pytest.skip(f"PostgreSQL unreachable at {POSTGRES_ADMIN_URL}: {err}")
    template = Database(postgres_url(TEMPLATE_DB))
    await template.connect()
    await template.migrate()
    await template.close()
    _postgres_state["ready"] = True


async def new_database(backend: str, tmp_path: Path) -> Database:
    """A connected database with the full schema, empty."""
    number = next(_db_numbers)
    if backend == "sqlite":
        db = Database(f"sqlite://{tmp_path / f'db{number}.sqlite3'}")
        await db.connect()
        await db.migrate()
        return db
    await _ensure_postgres_template()
    name = f"fedaid_test_{os.getpid()}_{number}"
    await _admin_execute(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE_DB}"')
    db = Database(postgres_url(name))
    await db.connect()
    return db


async def drop_database(db: Database) -> None:
    await db.close()
    if not db.is_sqlite:
        name = db.url.rsplit("/", 1)[1]
        await _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def make_database(backend: str, tmp_path: Path) -> AsyncIterator[Callable[[], Awaitable[Database]]]:
    """A factory of empty databases on this test's backend; all are dropped afterwards."""
    created: list[Database] = []

    async def make() -> Database:
        db = await new_database(backend, tmp_path)
        created.append(db)
        return db

    yield make
    for db in created:
        await drop_database(db)


@pytest.fixture
async def db(make_database: Callable[[], Awaitable[Database]]) -> AsyncIterator[Database]:
    """One empty database, active for the test body."""
    database = await make_database()
    with database.active():
        yield database


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if "ready" in _postgres_state:
        asyncio.run(_admin_execute(f'DROP DATABASE IF EXISTS "{TEMPLATE_DB}" WITH (FORCE)'))


# --- running instances -------------------------------------------------------------------------

import socket  # noqa: E402
from dataclasses import dataclass  # noqa: E402

from aiohttp import web  # noqa: E402

from fedaid.app import create_app, worker_jobs  # noqa: E402
from fedaid.config import Settings  # noqa: E402
from fedaid.worker import run_jobs_once  # noqa: E402


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


@pytest.fixture
async def make_instance(make_database, tmp_path: Path) -> AsyncIterator[Callable[..., Awaitable[RunningInstance]]]:
    """Start fedaid instances on 127.0.0.1 (a real aiohttp server each); stopped after the test."""
    runners: list[web.AppRunner] = []

    async def start(slug: str = "collective", **overrides: object) -> RunningInstance:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        db = await make_database()
        values: dict[str, object] = dict(
            base_url=f"http://127.0.0.1:{port}", database_url=db.url, data_dir=tmp_path / slug,
            secret_key=f"test-secret-{slug}-0123456789abcdef", collective_slug=slug,
            collective_name=slug.replace("_", " ").title(), allow_private_addresses=True, allow_http=True,
        )
        values.update(overrides)
        settings = Settings(**values)
        app = create_app(settings, database=db, run_worker=False)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        runners.append(runner)
        return RunningInstance(settings, app, db, runner)

    yield start
    for runner in runners:
        await runner.cleanup()
