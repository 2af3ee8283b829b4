"""The committed migrations describe exactly the current models."""

from tortoise.context import TortoiseContext
from tortoise.migrations.autodetector import MigrationAutodetector

from fedaid.db import MIGRATIONS_CONFIG


async def test_models_have_no_changes_missing_a_migration() -> None:
    async with TortoiseContext() as ctx:
        await ctx.init(config=MIGRATIONS_CONFIG)
        writers = await MigrationAutodetector(ctx.apps, MIGRATIONS_CONFIG["apps"]).changes()
    pending = [f"{w.app_label}.{w.name}" for w in writers]
    assert pending == [], (
        f"Models changed without a migration ({pending}): run "
        "`.venv/bin/tortoise -c fedaid.db.MIGRATIONS_CONFIG makemigrations`"
    )
