"""An instance made before Web Push (migration 0016 adds the VAPID key's table, empty) gets its VAPID key at the
upgrade's first start, and keeps it at every later start: push services tie subscriptions to that key."""

from __future__ import annotations

from tortoise.migrations.executor import MigrationExecutor, MigrationTarget

from fedaid.config import Settings
from fedaid.db import Database, tortoise_config
from fedaid.domain.instance import ensure_instance
from fedaid.models import VapidKey
from fedaid.ops.startup import prepare_database

BASE_URL = "https://aid.example"


async def test_an_instance_from_before_push_gets_its_vapid_key_at_upgrade_and_keeps_it(empty_database: Database):
    # Given an instance's database as it was before push: migrated to 0015, no VAPID key table yet
    db = empty_database
    settings = Settings(base_url=BASE_URL, collective_name="Aide", collective_slug="aide")
    with db.context:
        executor = MigrationExecutor(db.context.db(), tortoise_config(db.url)["apps"])
        await executor.migrate([MigrationTarget("models", "0015_rate_limit")])
    assert "models.0016_mail_push_jobs" in await db.pending_migrations()

    # When it is upgraded and started (fedaid serve and fedaid worker prepare the database so), twice
    await prepare_database(db, settings)
    with db.active():
        first = await VapidKey.all()
    await prepare_database(db, settings)

    # Then it has one VAPID key pair, the same at the second start
    with db.active():
        assert len(first) == 1 and first[0].public_key
        assert [key.public_key for key in await VapidKey.all()] == [first[0].public_key]
        assert (await ensure_instance(BASE_URL, collective_name="Aide", collective_slug="aide"))[1] is False
