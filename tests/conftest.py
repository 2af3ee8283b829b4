"""Shared fixtures: settings, databases on SQLite and PostgreSQL, and paths to the shared vectors.

Every test that asks for `db` (or `make_database`) runs twice, once per backend. Each test starts from
an empty schema: SQLite files are copies of a migrated template file; PostgreSQL databases are clones of a
migrated template, emptied after each test and reused by the next.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from aiohttp import web
from argon2 import PasswordHasher

from fedaid.app import create_app
from fedaid.config import Settings
from fedaid.db import Database
from fedaid.domain import actors as domain_actors
from fedaid.domain import passwords
from fedaid.keys import generate_key_pair

from fakes import remote_instance as fake_remote
from testsupport import (
    BACKENDS,
    KeyPairPool,
    RunningInstance,
    admin_execute,
    drop_database,
    drop_test_databases,
    ensure_postgres_template,
    new_database,
    postgres_state,
    postgres_url,
    remove_run_templates,
)


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """argon2id at its lowest cost: the tests hash and check hundreds of passwords, each ~0.1-0.6 s at the
    production cost. Same algorithm and code path; `fedaid` subprocesses (CLI tests) keep the production cost."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        yield


@pytest.fixture(scope="session", autouse=True)
def reused_key_pairs() -> Iterator[None]:
    """New local actors and fake remote users take RSA pairs from one pool of 64 made once per test process:
    every instance makes 2 actors and most tests several members, each a 0.1-0.5 s key generation otherwise."""
    pool = KeyPairPool(generate_key_pair)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(domain_actors, "generate_key_pair", pool)
        patch.setattr(fake_remote, "generate_key_pair", pool)
        yield


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def empty_database_url(backend: str, tmp_path: Path):
    """An empty database (no tables) on this test's backend."""
    if backend == "sqlite":
        yield f"sqlite://{tmp_path / 'fresh.sqlite3'}"
        return
    await ensure_postgres_template()
    name = f"fedaid_empty_{os.getpid()}"
    await admin_execute(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
    yield postgres_url(name)
    await admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def empty_database(empty_database_url: str) -> AsyncIterator[Database]:
    """A connected database with no tables, to migrate step by step (forward only: Tortoise's SQLite downgrade
    of a migration that adds foreign keys leaves a column behind, so the migrated template is not taken back)."""
    database = Database(empty_database_url)
    await database.connect()
    try:
        yield database
    finally:
        await database.close()


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
async def database_url(make_database: Callable[[], Awaitable[Database]]) -> str:
    """The URL of a migrated database with no rows, on this test's backend, for `fedaid` commands run as
    processes (a copy of the migrated template: migrating from nothing costs each command test seconds)."""
    return (await make_database()).url


@pytest.fixture
async def db(make_database: Callable[[], Awaitable[Database]]) -> AsyncIterator[Database]:
    """One empty database, active for the test body."""
    database = await make_database()
    with database.active():
        yield database


def pytest_configure(config: pytest.Config) -> None:
    """Name the run before pytest-xdist starts its workers, which share its templates (testsupport.RUN)."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        os.environ.setdefault("FEDAID_TEST_RUN", f"r{os.getpid()}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if "ready" in postgres_state:
        asyncio.run(drop_test_databases())


def pytest_unconfigure(config: pytest.Config) -> None:
    if "PYTEST_XDIST_WORKER" not in os.environ:  # the run's first process, ending after all others
        remove_run_templates()


@pytest.fixture
async def make_instance(make_database, tmp_path: Path) -> AsyncIterator[Callable[..., Awaitable[RunningInstance]]]:
    """Start fedaid instances on 127.0.0.1 (a real aiohttp server each); stopped after the test."""
    runners: list[web.AppRunner] = []
    opened: list[Database] = []

    async def start(
        slug: str = "collective", *, beside: RunningInstance | None = None, **overrides: object
    ) -> RunningInstance:
        """A new instance; `beside=other`: another process of `other` (same URL and database, its own port)."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        if beside is None:
            db = await make_database()
        else:
            db = Database(beside.db.url)
            await db.connect()
            opened.append(db)
        values: dict[str, object] = dict(
            base_url=beside.base_url if beside else f"http://127.0.0.1:{port}",
            database_url=db.url,
            data_dir=tmp_path / slug,
            secret_key=f"test-secret-{slug}-0123456789abcdef",
            collective_slug=slug,
            collective_name=slug.replace("_", " ").title(),
            allow_private_addresses=True,
            allow_http=True,
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
    for db in opened:
        await db.close()
