"""JobQueue adapters: inline (embedded mode) and arq on Redis (production)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from arq.connections import ArqRedis

log = logging.getLogger(__name__)

Task = Callable[..., Awaitable[Any]]


class InlineJobQueue:
    """Runs each job in the background of this process, once per job id."""

    def __init__(self, tasks: Mapping[str, Task], context: dict[str, Any]) -> None:
        self._tasks = tasks
        self._context = context
        self._seen: set[str] = set()
        self._running: set[asyncio.Task[Any]] = set()

    async def enqueue(self, function: str, *, job_id: str, **kwargs: Any) -> None:
        if job_id in self._seen:
            return
        self._seen.add(job_id)
        task = asyncio.create_task(self._run(function, job_id, kwargs))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _run(self, function: str, job_id: str, kwargs: dict[str, Any]) -> None:
        try:
            await self._tasks[function](self._context, **kwargs)
        except Exception:
            log.exception("inline job %s (%s) failed", function, job_id)

    async def drain(self) -> None:
        """Wait for the jobs already started (tests and shutdown use this)."""
        while self._running:
            await asyncio.gather(*list(self._running), return_exceptions=True)


class ArqJobQueue:
    def __init__(self, redis: ArqRedis, queue_name: str) -> None:
        self._redis = redis
        self._queue_name = queue_name

    async def enqueue(self, function: str, *, job_id: str, **kwargs: Any) -> None:
        await self._redis.enqueue_job(
            function, _job_id=job_id, _queue_name=self._queue_name, **kwargs
        )
