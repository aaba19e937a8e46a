"""Metrics read from Redis and PostgreSQL when Prometheus scrapes, not kept in the process.

The job queue and open anchor batches are shared state: any API process reads
the same numbers, so they are asked for at scrape time (fresh, and never stale
from a process that stopped looking) rather than counted. Every source has a
timeout; one that fails drops out of the scrape and `iworkz_metrics_source_up`
says so, the rest of /metrics still answers.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry
from sqlalchemy import func, select
from sqlmodel import col

from domain.clock import utcnow
from domain.credentials.models import AnchorBatch, BatchStatus

if TYPE_CHECKING:
    from server.services import Services

log = logging.getLogger(__name__)
SOURCE_TIMEOUT_SECONDS = 2.0


async def _job_queue(services: Services) -> list[Metric]:
    redis = services.redis
    if redis is None:  # embedded: jobs run inline, there is no queue to measure
        return []
    queue = services.settings.job_queue_name
    now_ms = int(time.time() * 1000)
    async with redis.pipeline(transaction=False) as pipe:
        pipe.zcard(queue)
        pipe.zcount(queue, "-inf", now_ms)
        total, due = await pipe.execute()
    return [
        GaugeMetricFamily(
            "iworkz_job_queue_depth",
            "Jobs in the arq queue, deferred ones included (ZCARD)",
            value=int(total),
        ),
        GaugeMetricFamily(
            "iworkz_job_queue_due",
            "Jobs in the arq queue that are due now: the backlog workers have not picked up",
            value=int(due),
        ),
    ]


async def _anchoring(services: Services) -> list[Metric]:
    open_statuses = [BatchStatus.PREPARED, BatchStatus.SENT]
    statement = select(func.count(), func.min(col(AnchorBatch.created_at))).where(
        col(AnchorBatch.status).in_(open_statuses)
    )
    async with services.database.session() as session:
        count, oldest = (await session.execute(statement)).one()
    age = max((utcnow() - oldest).total_seconds(), 0.0) if oldest is not None else 0.0
    return [
        GaugeMetricFamily(
            "iworkz_anchor_batches_open",
            "Anchor batches sent or prepared but not yet confirmed on chain",
            value=int(count),
        ),
        GaugeMetricFamily(
            "iworkz_anchor_oldest_open_batch_age_seconds",
            "Age of the oldest unconfirmed anchor batch (0 when none is open)",
            value=age,
        ),
    ]


_SOURCES = {"job_queue": _job_queue, "anchoring": _anchoring}


async def scrape_time_metrics(services: Services) -> CollectorRegistry:
    """A throwaway registry with this scrape's readings of the shared state."""
    families: list[Metric] = []
    up = GaugeMetricFamily(
        "iworkz_metrics_source_up",
        "Whether a scrape-time source (job_queue, anchoring) answered",
        labels=["source"],
    )
    results = await asyncio.gather(
        *(asyncio.wait_for(read(services), SOURCE_TIMEOUT_SECONDS) for read in _SOURCES.values()),
        return_exceptions=True,
    )
    for source, result in zip(_SOURCES, results, strict=True):
        if isinstance(result, BaseException):
            log.warning("metrics source %s failed: %r", source, result)
            up.add_metric([source], 0)
        else:
            families.extend(result)
            up.add_metric([source], 1)
    families.append(up)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Fixed(families))
    return registry


class _Fixed(Collector):
    def __init__(self, families: Iterable[Metric]) -> None:
        self._families = list(families)

    def collect(self) -> Iterator[Metric]:
        return iter(self._families)
