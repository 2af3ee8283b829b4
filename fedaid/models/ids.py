"""Time-ordered 64-bit ids, like Mastodon's snowflakes: known before insert, sortable for paging."""

import secrets
import time


def new_id(at_ms: int | None = None) -> int:
    """Milliseconds since the epoch in the high bits, 16 random bits below."""
    millis = int(time.time() * 1000) if at_ms is None else at_ms
    return (millis << 16) | secrets.randbits(16)
