"""The one place that asks for the current time, so tests can pass their own clock instead."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def unix_millis() -> int:
    """Milliseconds since the Unix epoch (the time part of new row ids)."""
    return int(utcnow().timestamp() * 1000)
