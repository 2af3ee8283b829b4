"""asyncpg's connection pool, lending its connections first come, first served.

asyncpg's pool hands out connections from an asyncio.Queue. When a connection comes back, the queue wakes the
task that waited longest, but any task that asks before that one runs takes the connection instead, and the
woken task queues again at the back (CPython's asyncio/queues.py, `Queue.get`). A web process runs 25 requests
at once on 3 connections, and a timeline page then made 4-5 statements, each asking anew, so some requests
lost their turn again and again: the timelines' p99 was 3.5-4 times their p50 on PostgreSQL against 1.8-2 on
SQLite (bench/api.py --processes 2). An asyncio.Semaphore as large as the pool lets no newcomer past a task
already waiting (CPython's asyncio/locks.py since https://github.com/python/cpython/pull/93222, for issue
90155), so a connection is always free for the task it admits: p99 fell to 1.5-2 times p50 (home 152-336 ms
-> 87-152 ms in the same minutes).
"""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from typing import Any

import asyncpg


class FairPool:
    """An asyncpg pool whose `acquire` serves waiting tasks in the order they asked; otherwise the pool itself."""

    def __init__(self, pool: asyncpg.Pool, size: int) -> None:
        self._pool = pool
        self._turns = asyncio.Semaphore(size)

    def acquire(self) -> _Lending:
        """A connection, awaited or used as `async with` (then given back at its end), as asyncpg's own."""
        return _Lending(self)

    async def release(self, connection: asyncpg.Connection) -> None:
        """Give `connection` back, then admit the next waiting task."""
        try:
            await self._pool.release(connection)
        finally:
            self._turns.release()

    async def _lend(self) -> asyncpg.Connection:
        await self._turns.acquire()
        try:
            return await self._pool.acquire()
        except BaseException:
            self._turns.release()
            raise

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pool, name)  # close, terminate, expire_connections, get_max_size, ...


class _Lending:
    """One `FairPool.acquire()`: awaitable, or an async context manager that gives the connection back."""

    def __init__(self, pool: FairPool) -> None:
        self._pool = pool
        self._connection: asyncpg.Connection | None = None

    def __await__(self) -> Generator[Any, None, asyncpg.Connection]:
        return self._pool._lend().__await__()

    async def __aenter__(self) -> asyncpg.Connection:
        self._connection = await self._pool._lend()
        return self._connection

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._connection is not None
        await self._pool.release(self._connection)
