"""Test support shared by every test folder: paths to the fixtures, databases on SQLite and
PostgreSQL, and running instances. Import it as `testsupport` (tests/ is on sys.path); fixtures that
use it live in tests/conftest.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import itertools
import os
import shutil
import socket
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from aiohttp import web

from fedaid.app import create_app, worker_jobs
from fedaid.appkeys import REMOTE_ACTORS
from fedaid.config import Settings
from fedaid.db import Database
from fedaid.domain import alliances
from fedaid.domain.instance import get_collective
from fedaid.models import Actor
from fedaid.worker import run_jobs_once

REPO_ROOT = Path(__file__).resolve().parents[1]
# Test data copied into the project (tests/fixtures/README.md gives each file's source).
FIXTURES = REPO_ROOT / "tests" / "fixtures" / "real"
VECTORS = REPO_ROOT / "tests" / "fixtures" / "vectors"

POSTGRES_ADMIN_URL = os.environ.get("FEDAID_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("FEDAID_TEST_REQUIRE_POSTGRES", "") == "1"
# One prefix per test process (pytest-xdist runs several): databases of parallel workers never collide.
DB_PREFIX = f"fedaid_test_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"
# The migrated templates are made once per run and shared by its processes (each made on first use, under a
# file lock; migrating takes a loaded two-core machine 20-30 s, and four workers did it each, on both backends).
# conftest.py names the run before pytest-xdist starts its workers, and removes both templates at the end.
RUN = os.environ.get("FEDAID_TEST_RUN") or f"r{os.getpid()}"  # the same name conftest.py gives the run
SHARED_FOLDER = Path(tempfile.gettempdir()) / f"fedaid-test-{RUN}"
TEMPLATE_DB = f"fedaid_test_{RUN}_tpl"
_db_numbers = itertools.count()
postgres_state: dict[str, object] = {}
# Emptied PostgreSQL databases of finished tests, ready for the next (cloning one costs ~100-300 ms).
_idle_postgres: list[str] = []

BACKENDS = ("sqlite", "postgres")


def postgres_url(name: str) -> str:
    base, _, _ = POSTGRES_ADMIN_URL.rpartition("/")
    return f"{base}/{name}"


async def admin_execute(*statements: str, database: str | None = None) -> None:
    url = postgres_url(database) if database else POSTGRES_ADMIN_URL
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def run_lock() -> AsyncIterator[None]:
    """Held by one test process of the run at a time: the one that makes a shared template."""
    SHARED_FOLDER.mkdir(exist_ok=True)
    with (SHARED_FOLDER / "lock").open("w") as lock:
        await asyncio.to_thread(fcntl.flock, lock, fcntl.LOCK_EX)
        yield  # closing the file releases the lock


async def ensure_postgres_template() -> None:
    """The run's migrated template database to clone (made by the first process that needs it), and the SQL
    that empties a clone."""
    if "ready" in postgres_state:
        return
    reset_file = SHARED_FOLDER / "postgres-reset.sql"
    async with run_lock():
        if not reset_file.exists():
            reset_file.write_text(await _make_postgres_template())
    postgres_state["reset"] = reset_file.read_text()
    postgres_state["ready"] = True


async def _make_postgres_template() -> str:
    try:
        await admin_execute(f'DROP DATABASE IF EXISTS "{TEMPLATE_DB}"', f'CREATE DATABASE "{TEMPLATE_DB}"')
    except (OSError, asyncpg.PostgresError) as err:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required (FEDAID_TEST_REQUIRE_POSTGRES=1) but unreachable: {err}")
        pytest.skip(f"PostgreSQL unreachable at {POSTGRES_ADMIN_URL}: {err}")
    template = Database(postgres_url(TEMPLATE_DB))
    await template.connect()
    await template.migrate()
    with template.context:
        conn = template.context.db()
        tables = await conn.execute_query_dict(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'tortoise_migrations'"
        )
        sequences = await conn.execute_query_dict(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' "
            "AND sequencename <> 'tortoise_migrations_id_seq'"
        )
    await template.close()
    # Without foreign-key triggers (replica role) every table empties in any order; sequences restart at 1,
    # so an emptied database is indistinguishable from a fresh clone of the template.
    return "".join(
        [
            "SET session_replication_role = replica;",
            *(f'DELETE FROM "{row["tablename"]}";' for row in tables),
            *(f'ALTER SEQUENCE "{row["sequencename"]}" RESTART;' for row in sequences),
            "SET session_replication_role = DEFAULT;",
        ]
    )


async def sqlite_template() -> Path:
    """The run's migrated SQLite file (made by the first process that needs it); each test database is a copy."""
    path = SHARED_FOLDER / "template.sqlite3"
    if path.exists():
        return path
    async with run_lock():
        if not path.exists():
            making = SHARED_FOLDER / f"making-{os.getpid()}.sqlite3"
            template = Database(f"sqlite://{making}")
            await template.connect()
            await template.migrate()
            await template.close()
            making.rename(path)  # whole or absent: the WAL is checkpointed into the file at close
    return path


async def new_database(backend: str, tmp_path: Path) -> Database:
    """A connected database with the full schema, empty."""
    number = next(_db_numbers)
    if backend == "sqlite":
        path = tmp_path / f"db{number}.sqlite3"
        shutil.copyfile(await sqlite_template(), path)
        db = Database(f"sqlite://{path}")
        await db.connect()
        return db
    await ensure_postgres_template()
    if _idle_postgres:
        name = _idle_postgres.pop()
    else:
        name = f"{DB_PREFIX}_{number}"
        await admin_execute(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE_DB}"')
    db = Database(postgres_url(name))
    await db.connect()
    return db


async def drop_database(db: Database) -> None:
    """Close `db`; a PostgreSQL one is emptied for the next test (dropped if it cannot be emptied)."""
    await db.close()
    if db.is_sqlite:
        return
    name = db.url.rsplit("/", 1)[1]
    try:
        await admin_execute("SET lock_timeout = '2s'", str(postgres_state["reset"]), database=name)
    except (OSError, asyncpg.PostgresError):
        await admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        _idle_postgres.append(name)


async def drop_test_databases() -> None:
    """Drop this process's PostgreSQL clones; the end of its tests."""
    names = list(_idle_postgres)
    _idle_postgres.clear()
    if names:
        await admin_execute(*(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in names))


def remove_run_templates() -> None:
    """Remove the run's shared templates; the end of the run, once every test process is done."""
    if (SHARED_FOLDER / "postgres-reset.sql").exists():
        asyncio.run(admin_execute(f'DROP DATABASE IF EXISTS "{TEMPLATE_DB}" WITH (FORCE)'))
    shutil.rmtree(SHARED_FOLDER, ignore_errors=True)


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


class KeyPairPool:
    """Stands in for `generate_key_pair` in tests: the first `size` calls make real RSA-2048 pairs (~0.1-0.5 s
    each), later calls hand them out again in turn, so any `size` actors made one after another hold
    distinct keys."""

    def __init__(self, generate: Callable[[], tuple[str, str]], size: int = 64) -> None:
        self._generate, self._size = generate, size
        self._pairs: list[tuple[str, str]] = []
        self._calls = itertools.count()

    def __call__(self) -> tuple[str, str]:
        number = next(self._calls)
        if number < self._size:
            self._pairs.append(self._generate())
        return self._pairs[number % self._size]


async def start_instance(db: Database, data_dir: Path, slug: str, **overrides: object) -> RunningInstance:
    """A fedaid instance on a free loopback port, on `db`; stop it with `instance.runner.cleanup()`."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    values: dict[str, object] = dict(
        base_url=f"http://127.0.0.1:{port}",
        database_url=db.url,
        data_dir=data_dir,
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
    return RunningInstance(settings, app, db, runner)


async def drain(*instances: RunningInstance, max_passes: int = 50) -> None:
    """Run worker passes on every instance until none of them has work left."""
    for _ in range(max_passes):
        if sum([await instance.run_worker_once() for instance in instances]) == 0:
            return
    raise AssertionError(f"the queues did not drain in {max_passes} passes")


async def until(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    """Wait for `condition` to hold, checking every 10 ms; fails naming `what` after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


PASSWORD = "correct horse battery"


async def ally(asker: RunningInstance, asked: RunningInstance, *others: RunningInstance) -> None:
    """`asker`'s collective asks `asked`'s to ally, and an admin of `asked` approves (every request waits)."""
    with asked.db.active():
        asked_group = await get_collective(asked.settings.collective_slug)
    with asker.db.active():
        ours = await get_collective(asker.settings.collective_slug)
        await alliances.request_alliance(ours, await asker.app[REMOTE_ACTORS].get_actor(asked_group.ap_id))
    await drain(asker, asked, *others)
    with asked.db.active():
        asking = await Actor.get(ap_id=ours.ap_id)
        await alliances.approve_alliance(asked_group, asking)
    await drain(asker, asked, *others)
