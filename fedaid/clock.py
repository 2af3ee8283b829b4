"""The one place that asks for the current time, so tests can pass their own clock instead."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
