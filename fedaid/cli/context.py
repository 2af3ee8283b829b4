"""What every command needs: settings from the environment and an open, migrated database."""

from __future__ import annotations

import asyncio
import fcntl
import os
import secrets
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from fedaid.config import Settings, read_config_file, write_config_file
from fedaid.db import Database
from fedaid.domain.instance import InstanceActors
from fedaid.domain.members import get_member
from fedaid.errors import ConfigError
from fedaid.logs import configure_logging
from fedaid.models import Actor
from fedaid.ops.startup import prepare_database

T = TypeVar("T")


def load_settings(**overrides: object) -> Settings:
    """Settings from `fedaid.toml` and `FEDAID_*`, with command-line overrides applied last."""
    settings = Settings.from_env(os.environ)
    changes = {k: v for k, v in overrides.items() if v is not None}
    settings = settings.replace(**changes) if changes else settings
    configure_logging(settings.log_level, settings.log_format)
    return settings


def initialise_data_dir(settings: Settings) -> Settings:
    """First run: create the data folder and write `fedaid.toml` with a new secret key."""
    folder = Path(settings.data_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # A nameless file of this process's own (O_TMPFILE where supported): processes starting at the same
        # moment never see each other's probe.
        with tempfile.TemporaryFile(dir=folder):
            pass
        with _folder_locked(folder):  # the first of several processes starting at once writes fedaid.toml
            return _with_secret_key(settings, folder)
    except OSError as err:
        raise ConfigError(
            f"The data folder {folder} is not writable ({err.strerror}): "
            "choose another with FEDAID_DATA_DIR or fix its permissions."
        ) from err


@contextmanager
def _folder_locked(folder: Path) -> Iterator[None]:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _with_secret_key(settings: Settings, folder: Path) -> Settings:
    """The settings with the secret key of `fedaid.toml`, written there first if it has none."""
    stored = read_config_file(folder)
    if "secret_key" in stored:
        return settings if settings.secret_key else settings.replace(secret_key=stored["secret_key"])
    values = {
        "secret_key": settings.secret_key or secrets.token_urlsafe(32),
        "base_url": settings.base_url,
        "collective_name": settings.collective_name,
        "collective_slug": settings.collective_slug,
    }
    values.update({k: v for k, v in stored.items()})
    write_config_file(folder, values)
    return settings.replace(secret_key=values["secret_key"])


async def open_database(settings: Settings) -> tuple[Database, InstanceActors]:
    """Connect, apply migrations, and make sure the instance and collective actors exist."""
    db = Database(settings.database_url)
    await db.connect()
    try:
        actors = await prepare_database(db, settings)
    except BaseException:
        await db.close()  # an open SQLite connection thread would keep the process from exiting
        raise
    return db, actors


def run_in_database(settings: Settings, work: Callable[[InstanceActors], Awaitable[T]]) -> T:
    """Run `work` with the instance database active, then close it."""

    async def run() -> T:
        db, actors = await open_database(settings)
        try:
            with db.active():
                return await work(actors)
        finally:
            await db.close()

    return asyncio.run(run())


def run_as_member(username: str, work: Callable[[Actor], Awaitable[T]]) -> T:
    """Run `work` with the actor of member `username`, in this instance's database (from the environment)."""
    settings = initialise_data_dir(load_settings())

    async def as_member(_actors: InstanceActors) -> T:
        return await work((await get_member(username)).actor)

    return run_in_database(settings, as_member)
