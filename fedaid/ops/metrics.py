"""Prometheus metrics (prometheus-client): what this process counts, plus the queue tables read at scrape time.

Counted here, per process: inbox POSTs by outcome and reason, and request latency by route pattern (never
the raw path, so the number of series stays bounded). With several web processes, set
`PROMETHEUS_MULTIPROC_DIR` to an empty folder shared by them (before they start): each process then
writes its counts there and any of them answers /metrics with the sum
(https://prometheus.github.io/client_python/multiprocess/). The queue figures come from the database
(ops/queues.py), so any process gives the whole instance's.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Histogram, ProcessCollector, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from fedaid.errors import FedaidError
from fedaid.ops.queues import QueueFigures
from fedaid.storage.availability import is_unavailable

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

PROCESS_REGISTRY = CollectorRegistry()
INBOX_REQUESTS = Counter(
    "fedaid_inbox_requests",
    "Activities POSTed to an inbox: accepted (stored for the worker) or refused, with the reason of a refusal.",
    ["outcome", "reason"],
    registry=PROCESS_REGISTRY,
)
REQUEST_SECONDS = Histogram(
    "fedaid_http_request_duration_seconds",
    "Time to answer a request, by method, route pattern and status.",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
    registry=PROCESS_REGISTRY,
)


@web.middleware
async def metrics_middleware(request: web.Request, handler) -> web.StreamResponse:
    """Time every request under its route pattern; count inbox POSTs by outcome and reason."""
    started = time.perf_counter()
    status, reason = 500, "internal_error"
    try:
        response = await handler(request)
        status, reason = response.status, ""
        return response
    except web.HTTPException as err:
        status, reason = err.status, f"http_{err.status}"
        raise
    except FedaidError as err:
        status, reason = err.status, type(err).__name__
        raise
    except Exception as err:
        if is_unavailable(err):
            status, reason = 503, "database_unavailable"
        raise
    finally:
        route = route_of(request)
        REQUEST_SECONDS.labels(request.method, route, str(status)).observe(time.perf_counter() - started)
        if request.method == "POST" and route.endswith("/inbox"):
            accepted = status < 400
            INBOX_REQUESTS.labels("accepted" if accepted else "refused", "" if accepted else reason).inc()


def route_of(request: web.Request) -> str:
    """The pattern of the route that matched (`/u/{name}/inbox`), or `unmatched`."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


def render(figures: QueueFigures) -> bytes:
    """The text exposition of this process's (or, in multi-process mode, every process's) metrics and `figures`."""
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROCESS_DIR):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Collected(PROCESS_REGISTRY.collect))
        ProcessCollector(registry=registry)
    registry.register(_Collected(lambda: queue_metrics(figures)))
    return generate_latest(registry)


class _Collected:
    def __init__(self, collect) -> None:
        self.collect = collect


def queue_metrics(figures: QueueFigures) -> Iterator[Metric]:
    """The queue tables as metric families."""
    yield _counter(
        "fedaid_inbox_items",
        "Received activities by type and state (done: applied or acknowledged; failed: given up).",
        ["type", "state"],
        figures.inbox_items.items(),
    )
    yield _counter(
        "fedaid_deliveries", "Deliveries to other servers by state (outcome).", ["state"], _single(figures.deliveries)
    )
    yield _counter(
        "fedaid_jobs", "Mail and push jobs by channel and state.", ["channel", "state"], figures.jobs.items()
    )
    yield _counter(
        "fedaid_work_items", "Fetches of media and thread parents by kind and state.", ["kind", "state"],
        figures.work.items(),
    )  # fmt: skip
    yield _gauge("fedaid_queue_pending", "Rows waiting in each queue.", ["queue"], _single(figures.pending))
    yield _gauge("fedaid_queue_due", "Rows of each queue whose time has come.", ["queue"], _single(figures.due))
    yield _gauge(
        "fedaid_queue_oldest_due_seconds",
        "How long the oldest due row of each queue has been due (0 when none): how far the workers lag.",
        ["queue"],
        _single(figures.oldest_due_seconds),
    )
    failing = GaugeMetricFamily("fedaid_failing_domains", "Remote hosts whose last delivery failed.")
    failing.add_metric([], figures.failing_domains)
    yield failing
    unavailable = GaugeMetricFamily(
        "fedaid_unavailable_domains", "Remote hosts given up on (failures on 7 distinct days)."
    )
    unavailable.add_metric([], figures.unavailable_domains)
    yield unavailable


def _single(values: dict[str, float] | dict[str, int]) -> list[tuple[tuple[str, ...], float]]:
    return [((key,), value) for key, value in values.items()]


def _counter(name: str, doc: str, labels: list[str], rows: Iterable[tuple[tuple[str, ...], float]]) -> Metric:
    family = CounterMetricFamily(name, doc, labels=labels)
    for key, value in rows:
        family.add_metric(list(key), value)
    return family


def _gauge(name: str, doc: str, labels: list[str], rows: Iterable[tuple[tuple[str, ...], float]]) -> Metric:
    family = GaugeMetricFamily(name, doc, labels=labels)
    for key, value in rows:
        family.add_metric(list(key), value)
    return family
