"""Start-up work that several processes may attempt at once: migrations, instance actors, the VAPID key.

Each is done under the database's start-up lock (storage/startup_lock.py), so the second process to
arrive finds the work done instead of repeating it.
"""

from __future__ import annotations

from collections.abc import Callable

from fedaid.config import Settings
from fedaid.db import Database
from fedaid.domain.instance import InstanceActors, ensure_instance
from fedaid.domain.push_subscriptions import ensure_vapid_key
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
