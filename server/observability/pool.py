"""Database pool usage from SQLAlchemy's pool events: connections in use, size, overflow.

Events keep the gauges exact without a timer, in every process (with
PROMETHEUS_MULTIPROC_DIR the gauges add up across processes: `livesum`).
Listeners on the engine survive `engine.dispose()`, which builds a new pool.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from server import metrics

_OBSERVED = "_iworkz_pool_observed"


def observe_pool(engine: AsyncEngine, name: str = "primary") -> None:
    """Export the engine's pool as `pool=name`; calling it again for the engine does nothing."""
    sync_engine = engine.sync_engine
    if getattr(sync_engine, _OBSERVED, False):
        return
    setattr(sync_engine, _OBSERVED, True)
    pool = sync_engine.pool
    size = getattr(pool, "size", None)
    metrics.DB_POOL_SIZE.labels(name).set(size() if callable(size) else 0)
    metrics.DB_POOL_MAX_OVERFLOW.labels(name).set(max(getattr(pool, "_max_overflow", 0), 0))
    checked_out = metrics.DB_POOL_CHECKED_OUT.labels(name)
    in_use = getattr(pool, "checkedout", None)
    checked_out.set(in_use() if callable(in_use) else 0)  # taken before we started listening

    def on_checkout(*_: Any) -> None:
        checked_out.inc()

    def on_checkin(*_: Any) -> None:
        checked_out.dec()

    event.listen(sync_engine, "checkout", on_checkout)
    event.listen(sync_engine, "checkin", on_checkin)
