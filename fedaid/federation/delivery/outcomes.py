"""One delivery attempt's outcome, and its log line; what a status means is `domain.retries`."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from fedaid.domain.retries import Step
from fedaid.models import Delivery

log = logging.getLogger("fedaid.delivery")


@dataclass
class Result:
    """One claimed row after this pass: `step` None means it was not attempted and goes back unclaimed."""

    delivery: Delivery
    step: Step | None = None
    status: int | None = None
    error: str = ""
    retry_after: str | None = None
    seconds: float = 0.0


def log_outcome(level: int, message: str, result: Result, **fields: object) -> None:
    if not log.isEnabledFor(level):
        return
    row = result.delivery
    log.log(
        level,
        message,
        extra={
            "delivery_id": row.id,
            "inbox": row.inbox,
            "status": result.status,
            "error": result.error,
            "attempt": row.attempts + 1,
            "duration_ms": round(result.seconds * 1000, 2),
            **fields,
        },
    )
