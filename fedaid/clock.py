"""The one place that asks for the current time, so tests can pass their own clock instead."""

from datetime import datetime, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
