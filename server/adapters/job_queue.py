"""JobQueue adapters: inline (embedded mode) and arq on Redis (production)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from arq.connections import ArqRedis
from arq.worker import Retry

from domain.clock import utcnow
from server.observability.context import REQUEST_ID_KWARG, current_request_id
from server.observability.jobs import observed

log = logging.getLogger(__name__)

Task = Callable[..., Awaitable[Any]]


class InlineJobQueue:
    """Runs each job in the background of this process, once per job id.

    Like arq, a task may raise `arq.worker.Retry(defer=...)` to run again later
    (up to `max_tries` runs; `ctx["job_try"]` counts them), and `defer_until`
    holds a job back (in this process only: a restart forgets it)."""

    def __init__(
        self, tasks: Mapping[str, Task], context: dict[str, Any], max_tries: int = 5
    ) -> None:
        # Logged and measured like the arq worker's (server/observability/jobs.py).
        self._tasks = {name: observed(task) for name, task in tasks.items()}
        self._context = context
        self._max_tries = max_tries
        self._seen: set[str] = set()
        self._running: set[asyncio.Task[Any]] = set()

    async def enqueue(
        self, function: str, *, job_id: str, defer_until: datetime | None = None, **kwargs: Any
    ) -> None:
        if job_id in self._seen:
            return
        self._seen.add(job_id)
        task = asyncio.create_task(self._run(function, job_id, kwargs, defer_until))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _run(
        self, function: str, job_id: str, kwargs: dict[str, Any], defer_until: datetime | None
    ) -> None:
        if defer_until is not None:
            await asyncio.sleep(max(0.0, (defer_until - utcnow()).total_seconds()))
        for job_try in range(1, self._max_tries + 1):
            try:
                await self._tasks[function](
                    {**self._context, "job_id": job_id, "job_try": job_try}, **kwargs
                )
                return
            except Retry as retry:
                if job_try == self._max_tries:
                    log.error(
                        "inline job %s (%s) gave up after %d tries", function, job_id, job_try
                    )
                    return
                await asyncio.sleep((retry.defer_score or 0) / 1000)
            except Exception:
                log.exception("inline job %s (%s) failed", function, job_id)
                return

    async def drain(self) -> None:
        """Wait for the jobs already started (tests and shutdown use this)."""
        while self._running:
            await asyncio.gather(*list(self._running), return_exceptions=True)


class ArqJobQueue:
    def __init__(self, redis: ArqRedis, queue_name: str) -> None:
        self._redis = redis
        self._queue_name = queue_name

    async def enqueue(
        self, function: str, *, job_id: str, defer_until: datetime | None = None, **kwargs: Any
    ) -> None:
        request_id = current_request_id()
        if request_id is not None:  # the worker logs the job under the request that caused it
            kwargs = {**kwargs, REQUEST_ID_KWARG: request_id}
        await self._redis.enqueue_job(
            function,
            _job_id=job_id,
            _queue_name=self._queue_name,
            _defer_until=defer_until,
            **kwargs,
        )
