"""A locked or unreachable database during a request: 503 with Retry-After and a short body, never a traceback page."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess

import aiohttp
import asyncpg
import pytest

from fedaid.db import Database
from fedaid.domain.members import add_member
from fedaid.domain.oauth import register_app
from fedaid.models import OAuthApp
from fedaid.storage.availability import is_unavailable
from fedaid.storage.postgres_engine import libpq_url, postgres_connection
from fedaid.storage.startup_lock import startup_lock

from testsupport import PASSWORD, admin_execute


@pytest.fixture(params=("sqlite",))
def backend(request: pytest.FixtureRequest) -> str:
    """Locking is SQLite's: another connection holds the file exclusively."""
    return request.param


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/oauth/token", {"grant_type": "password", "username": "ana@example.org", "password": PASSWORD}),
        ("/api/v1/apps", {"client_name": "Toot", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}),
    ],
)
async def test_a_locked_sqlite_database_answers_503_with_retry_after(make_instance, path, data):
    # Given an instance whose SQLite file another connection holds with an exclusive transaction (in WAL mode,
    # writers wait for it)
    instance = await make_instance("drivers")
    with instance.db.active():
        await add_member(instance.base_url, "ana", email="ana@example.org", password=PASSWORD)
        app, secret = await register_app("Toot", ["urn:ietf:wg:oauth:2.0:oob"], "read", address="192.0.2.1")
    if path == "/oauth/token":
        data = {**data, "client_id": app.client_id, "client_secret": secret}
    file = instance.db.url.split("://", 1)[1].split("?", 1)[0]
    holder = sqlite3.connect(file, timeout=10, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        # When a request needs the database
        async with aiohttp.ClientSession() as session, session.post(instance.base_url + path, data=data) as answer:
            status, headers, body = answer.status, answer.headers, await answer.text()
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    # Then it is told to come back shortly, in a few words
    assert status == 503
    assert int(headers["Retry-After"]) >= 1
    assert "Traceback" not in body and "sqlite" not in body.lower() and len(body) < 200


@pytest.mark.parametrize("backend", ["postgres"])
@pytest.mark.parametrize("path", ["/api/v1/apps", "/api/v1/timelines/public", "/"])
async def test_an_unreachable_postgresql_database_answers_503_with_retry_after(make_instance, backend, path):
    # Given an instance whose PostgreSQL database stops taking connections and ends those it had
    instance = await make_instance("drivers")
    name = instance.db.url.rsplit("/", 1)[1]
    await admin_execute(
        f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false',
        f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'",
    )
    try:
        # When a request needs the database
        form = {"client_name": "Toot", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}
        async with aiohttp.ClientSession() as session:
            method = (
                session.post(instance.base_url + path, data=form)
                if path == "/api/v1/apps"
                else session.get(instance.base_url + path, headers={"Accept": "text/html"})
            )
            async with method as answer:
                status, headers, body = answer.status, answer.headers, await answer.text()
    finally:
        await admin_execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')

    # Then it is told to come back shortly, in a few words
    assert status == 503, body
    assert int(headers["Retry-After"]) >= 1
    assert "Traceback" not in body and "asyncpg" not in body.lower() and len(body) < 200


def test_a_connection_postgresql_closed_mid_operation_counts_as_unavailable():
    # What asyncpg raised in tests/ops/test_scale_out.py when PostgreSQL shut down under the inbox's load: the
    # request then answers 503 with Retry-After (the sender tries again), not 500
    broken = asyncpg.InternalClientError("cannot switch to state 12; another operation (2) is in progress")
    assert is_unavailable(broken)
    assert not is_unavailable(asyncpg.UniqueViolationError("duplicate key value violates unique constraint"))


@pytest.mark.parametrize("backend", ["postgres"])
async def test_a_postgresql_lock_held_too_long_answers_503_instead_of_waiting(make_instance, backend):
    # Given an instance and another session holding a lock that blocks new apps (as a long admin transaction or
    # a migration's ALTER TABLE would)
    instance = await make_instance("drivers")
    holder = await asyncpg.connect(instance.db.url.replace("postgres://", "postgresql://", 1))
    transaction = holder.transaction()
    await transaction.start()
    await holder.execute("LOCK TABLE oauth_app IN SHARE MODE")
    try:
        # When a request needs that lock
        form = {"client_name": "Toot", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}
        began = asyncio.get_running_loop().time()
        async with (
            aiohttp.ClientSession() as session,
            session.post(instance.base_url + "/api/v1/apps", data=form) as answer,
        ):
            status, headers, body = answer.status, answer.headers, await answer.text()
        waited = asyncio.get_running_loop().time() - began
    finally:
        await transaction.rollback()
        await holder.close()

    # Then it gives up after lock_timeout and is told to come back shortly, and nothing was stored
    assert status == 503, body
    assert int(headers["Retry-After"]) >= 1
    assert 4 < waited < 15
    with instance.db.active():
        assert not await OAuthApp.filter(name="Toot").exists()


def test_lock_timeout_is_sent_at_every_postgresql_connection_unless_the_url_sets_another():
    assert (
        postgres_connection("postgres://u@127.0.0.1/fedaid")["credentials"]["server_settings"]["lock_timeout"] == "5s"
    )
    custom = postgres_connection("postgres://u@127.0.0.1/fedaid?lock_timeout=30s")["credentials"]
    assert custom["server_settings"]["lock_timeout"] == "30s" and "lock_timeout" not in custom


@pytest.mark.parametrize("backend", ["postgres"])
async def test_a_url_sizing_the_connection_pool_starts_and_sizes_it(database_url):
    # Given a PostgreSQL URL with Tortoise's pool options, as an admin sizes it for more concurrent requests
    url = f"{database_url}?minsize=2&maxsize=12"

    # When a process starts on it (the start-up lock's own connection, then the pool)
    async with startup_lock(url):
        db = Database(url)
        await db.connect()
        try:
            with db.active():
                pool = OAuthApp._meta.db._pool
                sizes = (pool.get_min_size(), pool.get_max_size())
        finally:
            await db.close()

    # Then neither connection sent the pool's options to PostgreSQL as settings, and the pool has those sizes
    assert sizes == (2, 12)


@pytest.mark.parametrize("backend", ["postgres"])
async def test_libpq_tools_get_the_url_without_the_options_only_fedaid_knows(database_url):
    # Given a URL with fedaid's session and pool options beside one libpq knows
    url = f"{database_url}?lock_timeout=30s&maxsize=12&application_name=backup"

    # When pg_dump (as `fedaid backup` runs it) reads it
    done = subprocess.run(["pg_dump", "--schema-only", libpq_url(url)], capture_output=True, text=True, check=False)

    # Then it connects and dumps, and libpq's own option is kept
    assert done.returncode == 0, done.stderr
    assert "CREATE TABLE public.post" in done.stdout
    assert libpq_url(url).startswith("postgresql://") and libpq_url(url).endswith("?application_name=backup")
