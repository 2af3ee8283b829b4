"""What the queue tables say, for /metrics: rows by state (and type or channel), depths, lateness, failing peers.

Read from the database at scrape time, so the figures are the whole instance's whatever the number of web
and worker processes, and survive restarts. Rows of the queues stay in their final state (done, failed,
given up, gone), so the counts by final state only grow: Prometheus' rate() over them gives items applied
or failed per second, deliveries per outcome per second.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from tortoise.functions import Count
from tortoise.models import Model

from fedaid.models import (
    Delivery,
    DeliveryState,
    DomainHealth,
    InboxItem,
    InboxState,
    JobState,
    OutboundJob,
    WorkItem,
    WorkState,
)

# queue name → (model, its pending state)
QUEUES: dict[str, tuple[type[Model], str]] = {
    "inbox": (InboxItem, InboxState.PENDING),
    "deliveries": (Delivery, DeliveryState.PENDING),
    "jobs": (OutboundJob, JobState.PENDING),
    "work": (WorkItem, WorkState.PENDING),
}


@dataclass
class QueueFigures:
    """One reading of every queue."""

    inbox_items: dict[tuple[str, str], int] = field(default_factory=dict)  # (activity type, state) → rows
    deliveries: dict[str, int] = field(default_factory=dict)  # state → rows
    jobs: dict[tuple[str, str], int] = field(default_factory=dict)  # (channel, state) → rows
    work: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, state) → rows
    pending: dict[str, int] = field(default_factory=dict)  # queue → pending rows
    due: dict[str, int] = field(default_factory=dict)  # queue → pending rows whose time has come
    oldest_due_seconds: dict[str, float] = field(default_factory=dict)  # queue → how late its oldest due row is
    failing_domains: int = 0  # hosts whose last delivery failed
    unavailable_domains: int = 0  # hosts given up on (failures on 7 distinct days)


async def read_queues(now: datetime) -> QueueFigures:
    """Count the queue tables' rows as they are at `now`."""
    figures = QueueFigures()
    for row in await _grouped(InboxItem, "activity_type", "state"):
        figures.inbox_items[(row["activity_type"], row["state"])] = row["rows"]
    for row in await _grouped(Delivery, "state"):
        figures.deliveries[row["state"]] = row["rows"]
    for row in await _grouped(OutboundJob, "channel", "state"):
        figures.jobs[(row["channel"], row["state"])] = row["rows"]
    for row in await _grouped(WorkItem, "kind", "state"):
        figures.work[(row["kind"], row["state"])] = row["rows"]
    for name, (model, pending) in QUEUES.items():
        waiting = model.filter(state=pending)
        figures.pending[name] = await waiting.count()
        figures.due[name] = await waiting.filter(next_attempt_at__lte=now).count()
        oldest = await (
            waiting.filter(next_attempt_at__lte=now).order_by("next_attempt_at").first().values_list("next_attempt_at")
        )
        figures.oldest_due_seconds[name] = (now - oldest[0]).total_seconds() if oldest else 0.0
    figures.failing_domains = await _failing_domains()
    figures.unavailable_domains = await DomainHealth.filter(is_unavailable=True).count()
    return figures


async def _failing_domains() -> int:
    """Hosts whose most recent delivery attempt failed."""
    rows = await DomainHealth.filter(last_failure_at__isnull=False).values_list("last_failure_at", "last_success_at")
    return sum(1 for failed, succeeded in rows if succeeded is None or failed > succeeded)


async def _grouped(model: type[Model], *columns: str) -> list[dict]:
    return await model.annotate(rows=Count("id")).group_by(*columns).values(*columns, "rows")
