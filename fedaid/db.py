"""The database of one instance: a Tortoise context, its connection and its migrations.

Each instance owns its own `TortoiseContext`, so several instances can live in one process
(the federation tests run three); `Database.active()` makes it the current one for a task.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tortoise.backends.base.config_generator import expand_db_url
from tortoise.context import TortoiseContext, _current_context
from tortoise.exceptions import BaseORMException
from tortoise.migrations.executor import MigrationExecutor

from fedaid.errors import ConfigError
from fedaid.storage.dialect import ping
from fedaid.storage.foreign_keys import foreign_keys_checked_after
from fedaid.storage.postgres_engine import postgres_connection
from fedaid.storage.sqlite_engine import sqlite_connection

log = logging.getLogger("fedaid.db")

MODELS_MODULE = "fedaid.models"
MIGRATIONS_MODULE = "migrations"
SUPPORTED_SCHEMES = ("sqlite", "postgres", "postgresql", "asyncpg")


def sqlite_file(database_url: str) -> Path | None:
    """The file a `sqlite://` URL names; None for another database or SQLite in memory."""
    if urlsplit(database_url).scheme != "sqlite":
        return None
    path = expand_db_url(database_url)["credentials"]["file_path"]
    return None if path == ":memory:" else Path(path)


def tortoise_config(database_url: str) -> dict[str, Any]:
    """The Tortoise configuration for `database_url` (one app, `models`, with our migrations)."""
    scheme = urlsplit(database_url).scheme
    if scheme not in SUPPORTED_SCHEMES:
        raise ConfigError(
            f"FEDAID_DATABASE_URL must start with sqlite:// or postgres:// (got {scheme or 'no scheme'!r})"
        )
    if scheme in ("postgresql", "asyncpg"):
        database_url = "postgres" + database_url[len(scheme) :]
    if scheme == "sqlite":
        connection_config = sqlite_connection(database_url)
    else:
        connection_config = postgres_connection(database_url)
    # The connection is named after its dialect: Tortoise caches SQL per connection name, and
    # the tests run SQLite and PostgreSQL instances in one process.
    connection = "sqlite" if scheme == "sqlite" else "postgres"
    return {
        "connections": {connection: connection_config},
        "apps": {
            "models": {"models": [MODELS_MODULE], "migrations": MIGRATIONS_MODULE, "default_connection": connection}
        },
        "use_tz": True,
        "timezone": "UTC",
    }


class Database:
    """One instance's database. Use `with db.active():` around code that queries it."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.context = TortoiseContext()
        self.is_sqlite = database_url.startswith("sqlite")

    async def connect(self) -> None:
        """Open the connection; fails with a one-line ConfigError when the database is unreachable."""
        self._prepare_sqlite_folder()
        with self.context:
            try:
                await self.context.init(config=tortoise_config(self.url))
                await ping(self.context.db())
            except ConfigError:
                raise
            except (OSError, Exception) as err:  # drivers raise many types; all mean "cannot connect"
                await self.context.close_connections()
                raise ConfigError(f"Cannot open the database {_redact(self.url)}: {err}") from err

    async def migrate(self, progress: Callable[[str], object] | None = None) -> list[str]:
        """Apply pending migrations; returns the names applied (empty when up to date)."""
        applied: list[str] = []

        def record(event: str, app_label: str, name: str) -> None:
            if event == "apply_done":
                applied.append(name)
                if progress:
                    progress(f"applied {app_label}.{name}")

        config = tortoise_config(self.url)["apps"]
        with self.context:
            connection = self.context.db()
            executor = MigrationExecutor(connection, config)
            try:
                async with foreign_keys_checked_after(connection):
                    await executor.migrate(progress=record)
            except BaseORMException as err:
                raise ConfigError(
                    f"A migration failed after {len(applied)} applied: {err}. "
                    "The database is unchanged by the failed step; fix the cause and run "
                    "`fedaid migrate` again."
                ) from err
        return applied

    async def pending_migrations(self) -> list[str]:
        """The names of the migrations not applied yet (all of them on an empty database); changes nothing."""
        config = tortoise_config(self.url)["apps"]
        with self.active():
            executor = MigrationExecutor(self.context.db(), config)
            await executor.loader.build_graph()
            try:
                applied = set(await executor.recorder.applied_migrations())
            except BaseORMException:  # no migrations table yet: nothing was ever applied
                applied = set()
            plan = executor._migration_plan(None, applied, executor.loader.graph)
        return [f"{step.migration.app_label}.{step.migration.name}" for step in plan if not step.backward]

    async def ping(self) -> None:
        """One trivial query: raises when the database cannot be reached now."""
        with self.active():
            await ping(self.context.db())

    async def create_schema(self) -> None:
        """Create every table directly from the models (tests only; production uses migrate())."""
        with self.context:
            await self.context.generate_schemas(safe=True)

    async def close(self) -> None:
        with self.context:
            await self.context.close_connections()

    @contextmanager
    def active(self) -> Iterator[None]:
        """Make this database the one models use in the current task (and tasks it starts).

        The token is kept here, not on the shared TortoiseContext (whose `with` stores it on itself):
        concurrent requests to one instance each enter and leave on their own.
        """
        token = _current_context.set(self.context)
        try:
            yield
        finally:
            _current_context.reset(token)

    def _prepare_sqlite_folder(self) -> None:
        if not self.is_sqlite:
            return
        path = self.url.split("://", 1)[1].split("?", 1)[0]
        if path in (":memory:", ""):
            return
        folder = Path(path).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise ConfigError(f"Cannot create the database folder {folder}: {err.strerror}") from err


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


# For `tortoise -c fedaid.db.MIGRATIONS_CONFIG makemigrations` after a model change.
MIGRATIONS_CONFIG = tortoise_config("sqlite://:memory:")
