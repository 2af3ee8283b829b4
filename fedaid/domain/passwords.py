"""Password hashing with argon2id (DESIGN section 9); plain passwords are never stored."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from fedaid.errors import InvalidInput

MIN_PASSWORD_LENGTH = 10
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
    return _hasher.hash(password)


def check_password(password_hash: str, password: str) -> bool:
    """True when `password` matches; False for a wrong password or an account without one."""
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
