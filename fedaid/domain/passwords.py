"""Password hashing with argon2id; plain passwords are never stored.

argon2 takes a good part of a second and 64 MiB by design, so hashing and checking run in worker threads (argon2
releases the GIL): a sign-in never stalls the event loop that serves everyone else. At most
`MAX_CONCURRENT_HASHES` run at once per process; more wait their turn, so a burst of sign-in attempts cannot
take every CPU and all the memory of the server.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from fedaid.errors import InvalidInput

MIN_PASSWORD_LENGTH = 10
MAX_CONCURRENT_HASHES = 2
_hasher = PasswordHasher()
T = TypeVar("T")


class HashSlots:
    """A fixed number of threads for argon2: the cap on hashes running at once in this process.

    `running` and `most_running` (since the last `reset_peak`) say how many ran together.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.running = 0
        self.most_running = 0
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="argon2")

    async def run(self, work: Callable[..., T], *args: object) -> T:
        """`work(*args)` in one of the slots, once one is free."""
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._counted, work, args)

    def reset_peak(self) -> None:
        with self._lock:
            self.most_running = self.running

    def _counted(self, work: Callable[..., T], args: tuple[object, ...]) -> T:
        with self._lock:
            self.running += 1
            self.most_running = max(self.most_running, self.running)
        try:
            return work(*args)
        finally:
            with self._lock:
                self.running -= 1


HASH_SLOTS = HashSlots(MAX_CONCURRENT_HASHES)


async def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
    return await HASH_SLOTS.run(_hash, password)


async def check_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches `password_hash`; False for a wrong password or for no account at all.

    Without a hash (no such account, or one without a password), a throwaway hash is checked anyway, so the
    response time does not tell which names exist.
    """
    return await HASH_SLOTS.run(_verify, password_hash, password)


def _hash(password: str) -> str:
    return _hasher.hash(password)


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _throwaway_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _throwaway_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))
