"""A throwaway database for a benchmark: a SQLite file in `folder`, or a PostgreSQL database dropped afterwards."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg

POSTGRES_ADMIN_URL = os.environ.get("FEDAID_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")


@asynccontextmanager
async def admin_connection() -> AsyncIterator[asyncpg.Connection]:
    """A connection to the PostgreSQL server's admin database (FEDAID_TEST_POSTGRES_URL)."""
    connection = await asyncpg.connect(POSTGRES_ADMIN_URL.replace("postgres://", "postgresql://", 1))
    try:
        yield connection
    finally:
        await connection.close()


@asynccontextmanager
async def scratch_database(
    use_postgres: bool, folder: str | Path, prefix: str
) -> AsyncIterator[tuple[str, str | None]]:
    """(database URL, PostgreSQL database name or None for SQLite); the PostgreSQL database is dropped after."""
    if not use_postgres:
        yield f"sqlite://{Path(folder) / 'bench.sqlite3'}", None
        return
    name = f"{prefix}_{os.getpid()}"
    async with admin_connection() as admin:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES_ADMIN_URL.rpartition('/')[0]}/{name}", name
    finally:
        async with admin_connection() as admin:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
