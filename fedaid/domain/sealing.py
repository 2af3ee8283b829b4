"""Secrets the worker must read back later (an app's push token, a reset link's token), encrypted with a key
derived from the instance secret and the purpose (Fernet): the database alone does not reveal them."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken


def _fernet(secret_key: str, purpose: str) -> Fernet:
    digest = hashlib.sha256(f"fedaid {purpose}:{secret_key}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(secret_key: str, text: str, *, purpose: str) -> str:
    return _fernet(secret_key, purpose).encrypt(text.encode()).decode()


def unseal(secret_key: str, sealed: str, *, purpose: str) -> str:
    """The sealed text; empty if the instance secret changed since."""
    try:
        return _fernet(secret_key, purpose).decrypt(sealed.encode()).decode()
    except InvalidToken:
        return ""
