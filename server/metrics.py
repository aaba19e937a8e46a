"""Prometheus metrics shared across the process, exposed on the API's `/metrics` and on the
worker's metrics port (docs/observability.md lists them, with the ones read at scrape time).

Gauges say how several processes add up (`multiprocess_mode`), so that the numbers stay
right when PROMETHEUS_MULTIPROC_DIR is set and uvicorn runs several API processes.
"""

from __future__ import annotations

import os
from typing import Any, TypeVar

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics
from prometheus_client.metrics import MetricWrapperBase

# `*_created` timestamps would double the series of every counter and histogram for
# nothing Prometheus queries use.
disable_created_metrics()

# In multiprocess mode every metric is a file in this directory, created with the metric:
# make sure it exists before the first one is defined below.
if _multiprocess_dir := os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(_multiprocess_dir, exist_ok=True)

EVENTS_PUBLISHED = Counter("iworkz_events_published_total", "Domain events published", ["name"])
EVENTS_PUBLISH_FAILURES = Counter(
    "iworkz_events_publish_failures_total", "Domain events that could not be published", ["name"]
)
EVENTS_DELIVERED = Counter(
    "iworkz_events_delivered_total", "Events handed to local listeners (subscriptions)"
)
EVENT_LISTENERS = Gauge(
    "iworkz_event_listeners",
    "Local event listeners (open subscriptions)",
    multiprocess_mode="livesum",
)
SLOW_SUBSCRIBERS = Counter(
    "iworkz_slow_subscribers_total", "Subscribers disconnected because their buffer overflowed"
)
BUS_RECONNECTS = Counter("iworkz_event_bus_reconnects_total", "Redis pub/sub reconnections")
WEBSOCKETS_OPEN = Gauge(
    "iworkz_websocket_connections",
    "Open GraphQL WebSocket connections",
    multiprocess_mode="livesum",
)

# -- GraphQL (server/observability/graphql.py) ---------------------------------------------
# `operation` is the client's operation name, "anonymous" or "invalid" (see there: bounded).
GRAPHQL_REQUESTS = Counter(
    "iworkz_graphql_requests_total", "GraphQL operations run", ["operation", "type"]
)
GRAPHQL_DURATION = Histogram(
    "iworkz_graphql_request_duration_seconds",
    "Time to parse, validate and execute a query or mutation",
    ["operation", "type"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
GRAPHQL_ERRORS = Counter(
    "iworkz_graphql_errors_total", "GraphQL errors returned, by extensions.code", ["code"]
)
RESOLVER_DURATION = Histogram(
    "iworkz_graphql_resolver_duration_seconds",
    "Time in resolvers of fields that have one (default attribute resolvers, and "
    "DataLoader-declared fields on the fast path, are not timed)",
    ["field"],
    buckets=(0.001, 0.005, 0.025, 0.1, 0.5, 2.5),
)
SUBSCRIPTIONS_ACTIVE = Gauge(
    "iworkz_graphql_subscriptions_active",
    "GraphQL subscriptions running",
    multiprocess_mode="livesum",
)
HTTP_RESPONSES = Counter(
    "iworkz_http_responses_total",
    "HTTP responses (probes and /metrics excluded), by method and status code",
    ["method", "status"],
)
DATALOADER_BATCH_SIZE = Histogram(
    "iworkz_dataloader_batch_size",
    "Keys per DataLoader batch (one query each)",
    ["loader"],
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500),
)

# -- Database pool (server/observability/pool.py) -------------------------------------------
DB_POOL_CHECKED_OUT = Gauge(
    "iworkz_db_pool_checked_out",
    "Database connections checked out of the pool (in use, or kept ready for the next lend)",
    ["pool"],
    multiprocess_mode="livesum",
)
DB_POOL_SIZE = Gauge(
    "iworkz_db_pool_size",
    "Connections the pool keeps open",
    ["pool"],
    multiprocess_mode="livesum",
)
DB_POOL_MAX_OVERFLOW = Gauge(
    "iworkz_db_pool_max_overflow",
    "Connections the pool may open beyond its size under load",
    ["pool"],
    multiprocess_mode="livesum",
)

# -- Background jobs (server/observability/jobs.py) -----------------------------------------
# outcome: complete, retry (arq runs it again later), failed (an exception), cancelled.
JOBS = Counter("iworkz_jobs_total", "Background job runs, by outcome", ["function", "outcome"])
JOB_DURATION = Histogram(
    "iworkz_job_duration_seconds",
    "Background job run time",
    ["function"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0),
)

# -- Read replica (server/replica.py, server/database.py) -----------------------------------
# route: replica, or primary_<why>: after_write / live (read-your-writes), lagging, down.
DB_READ_ROUTES = Counter(
    "iworkz_db_read_routes_total",
    "Read sessions by where they went (counted only when a replica is configured)",
    ["route"],
)
DB_REPLICA_LAG = Gauge(
    "iworkz_db_replica_lag_seconds",
    "Replica lag at the last check (0 when it had replayed all the primary had written)",
    multiprocess_mode="max",
)
DB_REPLICA_USABLE = Gauge(
    "iworkz_db_replica_usable",
    "1 while reads may use the replica, 0 while they fall back to the primary",
    multiprocess_mode="min",
)

# -- Public cache (server/cache.py) ---------------------------------------------------------
# cache: skills, job, job_skills; result: hit, miss, bypass (this request must read fresh).
CACHE_LOOKUPS = Counter(
    "iworkz_cache_lookups_total", "Public cache lookups, by cache and result", ["cache", "result"]
)
CACHE_ERRORS = Counter(
    "iworkz_cache_errors_total",
    "Cache calls that failed or timed out (answered from the database instead)",
    ["operation"],
)


M = TypeVar("M", bound=MetricWrapperBase)
_CHILDREN: dict[tuple[MetricWrapperBase, tuple[str, ...]], Any] = {}


def labelled(metric: M, *values: str) -> M:
    """`metric.labels(*values)`, kept: `labels()` takes a lock and checks its values on
    every call (~0.8 µs), and a request asks for up to a dozen children (its response,
    loader batches, cache lookups). Label values are bounded by each metric's design,
    and no child is ever removed, so the kept ones stay the exported ones."""
    key = (metric, values)
    child = _CHILDREN.get(key)
    if child is None:
        child = _CHILDREN[key] = metric.labels(*values)
    return child  # type: ignore[no-any-return]
