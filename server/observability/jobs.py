"""Background jobs: the request id they came from, one log line and metrics per run.

`observed(task)` wraps a task for the arq worker and the inline queue alike. The
arq adapter puts the enqueuing request's id in the job's kwargs
(`REQUEST_ID_KWARG`); the wrapper takes it out before the task sees its kwargs
and makes it the current request, so the job's own log lines, the jobs it
enqueues and its Sentry event carry the id of the request that started it all.
Inline jobs inherit the id through the context instead.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import sentry_sdk
from arq.typing import WorkerCoroutine
from arq.worker import Retry

from server import metrics
from server.observability.context import (
    REQUEST_ID_KWARG,
    BoundRequest,
    RequestInfo,
    current_request_id,
)
from server.observability.log_format import log_fields

log = logging.getLogger("iworkz.jobs")
Task = Callable[..., Awaitable[Any]]


def observed(task: Task) -> WorkerCoroutine:
    """`task`, logged and measured; keeps its name (arq registers functions by name)."""
    name = getattr(task, "__name__", "job")

    @functools.wraps(task)
    async def run(ctx: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        request_id = kwargs.pop(REQUEST_ID_KWARG, None) or current_request_id()
        started = time.perf_counter()
        outcome = "complete"
        with BoundRequest(RequestInfo(request_id) if request_id else None):
            if request_id and sentry_sdk.get_client().is_active():
                sentry_sdk.get_isolation_scope().set_tag("request_id", request_id)
            try:
                return await task(ctx, *args, **kwargs)
            except Retry:
                outcome = "retry"
                raise
            except asyncio.CancelledError:
                outcome = "cancelled"
                raise
            except Exception:
                outcome = "failed"
                raise
            finally:
                _finished(name, ctx, outcome, time.perf_counter() - started)

    return run


def _finished(name: str, ctx: dict[str, Any], outcome: str, seconds: float) -> None:
    metrics.JOBS.labels(name, outcome).inc()
    metrics.JOB_DURATION.labels(name).observe(seconds)
    # A failure's traceback is logged (and reported) by whoever ran the job: arq, or the
    # inline queue; this line is its summary, at WARNING so that it is not reported twice.
    log.log(
        logging.WARNING if outcome == "failed" else logging.INFO,
        "job %s %s",
        name,
        outcome,
        extra=log_fields(
            function=name,
            job_id=ctx.get("job_id"),
            job_try=ctx.get("job_try"),
            duration_ms=round(seconds * 1000, 1),
            outcome=outcome,
        ),
    )
