"""Start-up work that several processes may attempt at once: migrations, instance actors, the VAPID key.

Each is done under the database's start-up lock (storage/startup_lock.py), so the second process to
arrive finds the work done instead of repeating it.

Applying migrations to an empty database builds Tortoise's model state migration after migration: a peak
of some 45 MiB that the allocator keeps after it is freed. Long-running processes apply them in a forked
child (`migrate_in_child`), which takes that peak with it when it exits.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable
from multiprocessing.connection import Connection

from fedaid.config import Settings
from fedaid.db import Database
from fedaid.domain.instance import InstanceActors, ensure_instance
from fedaid.domain.push_subscriptions import ensure_vapid_key
from fedaid.errors import ConfigError
from fedaid.storage.startup_lock import startup_lock


async def migrate(db: Database, progress: Callable[[str], object] | None = None) -> list[str]:
    """Apply pending migrations, one process at a time; returns the names applied."""
    async with startup_lock(db.url):
        return await db.migrate(progress)


async def prepare_database(db: Database, settings: Settings) -> InstanceActors:
    """Migrate, then create the instance and collective actors and the VAPID key if missing."""
    async with startup_lock(db.url):
        await db.migrate()
        with db.active():
            actors, _ = await ensure_instance(
                settings.base_url,
                collective_name=settings.collective_name,
                collective_slug=settings.collective_slug,
                collective_summary=settings.collective_summary,
            )
            await ensure_vapid_key()
    return actors


def migrate_in_child(database_url: str) -> None:
    """Apply pending migrations in a forked child process; a failure is raised here as the child's ConfigError.

    Call it before this process opens the database or starts threads (forking copies only the calling thread).
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_migrate_and_report, args=(database_url, sender), name="fedaid-migrate")
    child.start()
    sender.close()
    try:
        outcome = receiver.recv()
    except EOFError:
        outcome = f"the process applying migrations ended without a word (exit status {child.exitcode})"
    finally:
        child.join()
        receiver.close()
    if outcome:
        raise ConfigError(outcome)


def _migrate_and_report(database_url: str, sender: Connection) -> None:
    async def run() -> None:
        db = Database(database_url)
        await db.connect()
        try:
            await migrate(db)
        finally:
            await db.close()

    try:
        asyncio.run(run())
        sender.send("")
    except ConfigError as err:
        sender.send(str(err))
    except Exception as err:  # a bug: its type and message, as the parent's one-line error
        sender.send(f"Migrations failed: {type(err).__name__}: {err}")
    finally:
        sender.close()
