"""Password hashing with argon2id (DESIGN section 9); plain passwords are never stored.

argon2 takes a good part of a second by design, so hashing and checking run in a worker thread (argon2
releases the GIL): a sign-in never stalls the event loop that serves everyone else.
"""

import asyncio
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from fedaid.errors import InvalidInput

MIN_PASSWORD_LENGTH = 10
_hasher = PasswordHasher()


async def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
    return await asyncio.to_thread(_hasher.hash, password)


async def check_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches `password_hash`; False for a wrong password or for no account at all.

    Without a hash (no such account, or one without a password), a throwaway hash is checked anyway, so the
    response time does not tell which names exist.
    """
    return await asyncio.to_thread(_verify, password_hash or _throwaway_hash(), password, bool(password_hash))


def _verify(password_hash: str, password: str, counts: bool) -> bool:
    try:
        return _hasher.verify(password_hash, password) and counts
    except (VerificationError, InvalidHashError):
        return False


@cache
def _throwaway_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))
