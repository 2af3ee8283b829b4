"""What every command needs: settings from the environment and an open, migrated database."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from fedaid.config import Settings, read_config_file, write_config_file
from fedaid.db import Database
from fedaid.domain.instance import InstanceActors, ensure_instance
from fedaid.domain.members import get_member
from fedaid.errors import ConfigError
from fedaid.logs import configure_logging
from fedaid.models import Actor

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
        probe = folder / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as err:
        raise ConfigError(
            f"The data folder {folder} is not writable ({err.strerror}): "
            "choose another with FEDAID_DATA_DIR or fix its permissions."
        ) from err
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
        await db.migrate()
        with db.active():
            actors, _ = await ensure_instance(
                settings.base_url,
                collective_name=settings.collective_name,
                collective_slug=settings.collective_slug,
                collective_summary=settings.collective_summary,
            )
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
