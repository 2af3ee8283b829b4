"""PostgreSQL's connection: Tortoise's asyncpg client on a pool that serves waiting tasks in turn
(`fair_pool.py`), with the session settings fedaid sets.

`lock_timeout`: a statement that waits longer than this for a lock another transaction holds (a row an admin's
transaction updates, a table a migration alters) gives up with LockNotAvailableError, which the request
middleware answers with 503 and Retry-After and the workers take as "try again later"
(storage/availability.py). Without it a request waits for as long as the other transaction lasts, holding a
connection of the pool, and a migration's ALTER TABLE queued behind a long reader blocks every later reader of
that table (https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-LOCK-TIMEOUT,
https://www.postgresql.org/docs/current/explicit-locking.html). The URL may set another value
(postgres://…/fedaid?lock_timeout=30s), as for a long maintenance command.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg
from tortoise.backends.asyncpg.client import AsyncpgDBClient
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.backends.base.config_generator import expand_db_url

from fedaid.storage.dialect import is_sqlite
from fedaid.storage.fair_pool import FairPool

# Connections per process unless the URL's `maxsize` says otherwise. A process runs one statement's Python at a
# time, so a few connections keep it busy; more only queue statements inside PostgreSQL, where its backends
# take cores from the web and worker processes: two web processes on two cores answered the timelines' p99 in
# 118-152 ms with 2 or 3 connections each against 140-236 ms with 5, and created statuses in 265-285 ms against
# 325-430 (bench/api.py --processes 2).
POOL_SIZE = 3
SESSION_SETTINGS = {"lock_timeout": "5s", "application_name": "fedaid"}
# URL query options that are Tortoise's pool settings or fedaid's session settings, which libpq does not know.
NOT_LIBPQ_OPTIONS = frozenset({"minsize", "maxsize", "max_queries", "max_inactive_connection_lifetime", "lock_timeout"})


def postgres_connection(database_url: str) -> dict[str, Any]:
    """Tortoise's connection settings for a `postgres://` URL, with SESSION_SETTINGS sent at every connection
    (a `lock_timeout` in the URL's query takes the place of the default)."""
    config = expand_db_url(database_url)
    credentials = config["credentials"]
    settings = {name: str(credentials.pop(name, default)) for name, default in SESSION_SETTINGS.items()}
    credentials["server_settings"] = settings
    credentials.setdefault("maxsize", POOL_SIZE)
    credentials["reset"] = keep_session
    return {**config, "engine": __name__}


class FairPoolClient(AsyncpgDBClient):
    """Tortoise's asyncpg client, its statements and transactions taking connections in turn (`FairPool`)."""

    async def create_pool(self, **kwargs: Any) -> FairPool:  # type: ignore[override]
        return FairPool(await super().create_pool(**kwargs), self.pool_maxsize)


client_class = FairPoolClient  # what Tortoise loads from a connection's "engine" module


async def keep_session(connection: asyncpg.Connection) -> None:
    """What a connection going back to the pool needs beyond the rollback of an open transaction, which
    asyncpg always does: nothing. fedaid leaves no session state on its pool's connections: settings are
    `SET LOCAL` or given at connection, it does not LISTEN, and the start-up lock's session advisory lock has
    a connection of its own. asyncpg's default reset sends
    `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL` at every release: an extra round trip
    for each statement outside a transaction, 8 per home timeline request (bench/api.py, PostgreSQL's log
    with log_min_duration_statement = 0: 3,395 of them for 425 requests).
    https://magicstack.github.io/asyncpg/current/api/index.html#asyncpg.pool.create_pool (`reset`)
    """


def single_connection_arguments(database_url: str, **session: str) -> dict[str, Any]:
    """`asyncpg.connect` arguments for one connection outside the pool, with the same session settings (and
    `session` on top): the URL's pool options (`minsize`, `maxsize`, ...) are Tortoise's, and asyncpg would
    send them to the server as settings it does not know."""
    credentials = postgres_connection(database_url)["credentials"]
    arguments = {name: credentials[name] for name in ("host", "port", "user", "password", "database")}
    if "ssl" in credentials:
        arguments["ssl"] = credentials["ssl"]
    return {**arguments, "server_settings": {**credentials["server_settings"], **session}}


def libpq_url(database_url: str) -> str:
    """The `postgres://` URL as libpq's tools (pg_dump, pg_restore) read it: `postgresql://`, without the options
    only fedaid and its pool understand (libpq refuses an unknown query parameter)."""
    parts = urlsplit("postgresql" + database_url[database_url.index("://") :])
    kept = [(name, value) for name, value in parse_qsl(parts.query) if name not in NOT_LIBPQ_OPTIONS]
    return urlunsplit(parts._replace(query=urlencode(kept)))


async def plan_for_these_values(connection: BaseDBAsyncClient) -> None:
    """Until the current transaction ends, PostgreSQL plans each statement for the values it is given.

    For the inbox worker's batch statements (`IN` lists of up to 200 ids or addresses): after five runs
    PostgreSQL may keep a generic plan made while the table was small (a new instance, the start of a burst)
    and then scan the whole table for each list, 33 ms a statement at 20,000 posts against 0.1 ms with a plan
    for the values (the worker applied 765 posts/s against 1,400/s, bench/inbox.py --postgres). Web requests
    keep generic plans: planning every statement cost the timelines 15-25% of their rate.
    https://www.postgresql.org/docs/current/runtime-config-query.html#GUC-PLAN-CACHE-MODE
    """
    if not is_sqlite(connection):
        await connection.execute_query("SET LOCAL plan_cache_mode = force_custom_plan")
