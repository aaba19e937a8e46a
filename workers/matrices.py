"""The worker process's matching matrices: one per process, built off the hot path.

Why: at 100,000 profiles × 10,000 jobs a build reads ~600,000 rows and takes over a
minute. Built inside the first ranking (as it was), every process start and every
expiry (`MATCHING_CACHE_MAX_AGE_SECONDS`) made one publish wait that long, and the
numpy/Python part blocked the worker's event loop for ~20 s. Now the build starts
with the worker, its CPU part runs in a thread, and an expired set keeps serving while
its successor is built. Staleness is unchanged: every ranking re-reads the job or
profile it is about, so only *other* rows can be up to one max-age old.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from domain.matching import service as matching
from domain.matching.cache import FeatureCache
from workers.memory import release_freed_memory

log = logging.getLogger(__name__)


class Matrices:
    def __init__(self, session_factory: Callable[[], Any], max_age_seconds: float) -> None:
        self._session_factory = session_factory
        self._max_age_seconds = max_age_seconds
        self._current: FeatureCache | None = None
        self._built_at = 0.0
        self._building: asyncio.Task[None] | None = None

    def start_building(self) -> None:
        """Begin a build in the background unless one is under way."""
        if self._building is None or self._building.done():
            self._building = asyncio.create_task(self._build(), name="matching-matrices")

    async def current(self) -> FeatureCache:
        """The matrices to rank with: waits only when there are none yet."""
        if self._current is None:
            self.start_building()
            assert self._building is not None
            await asyncio.shield(self._building)  # a cancelled ranking leaves the build be
            if self._current is None:  # the build failed: the ranking retries later
                raise RuntimeError("the matching matrices could not be built")
        elif time.monotonic() - self._built_at > self._max_age_seconds:
            self.start_building()
        return self._current

    def discard(self) -> None:
        """Forget the matrices (a ranking failed): the next one waits for a fresh build."""
        self._current = None

    async def _build(self) -> None:
        started = time.monotonic()
        try:
            async with self._session_factory() as session:
                workers = await matching.worker_records(session)
                jobs = await matching.job_records(session)
            built = await asyncio.to_thread(FeatureCache.build, workers, jobs)
            del workers, jobs
        except Exception:
            log.exception("building the matching matrices failed")
            return
        self._current, self._built_at = built, time.monotonic()
        release_freed_memory()
        log.info(
            "matching matrices built in %.1f s (%d workers, %d jobs)",
            self._built_at - started,
            built.workers.size,
            built.jobs.size,
        )
