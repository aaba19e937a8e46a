"""arq worker settings: the production runner for the tasks in workers.tasks."""

from __future__ import annotations

import asyncio
from typing import Any

from arq import cron
from arq import run_worker as arq_run_worker
from arq.connections import RedisSettings

from domain.ai.warm import warm_up
from server.observability.jobs import observed
from server.observability.pool import observe_pool
from server.observability.prometheus import start_metrics_server
from server.observability.sentry import init_sentry
from server.services import build_services
from server.settings import Settings
from workers.health import HEALTH_CHECK_INTERVAL_SECONDS, health_check_key
from workers.tasks import TASKS, anchor_credentials, heartbeat, matrices


def worker_settings(settings: Settings, **overrides: Any) -> dict[str, Any]:
    async def startup(ctx: dict[str, Any]) -> None:
        ctx["services"] = await build_services(settings)
        observe_pool(ctx["services"].database.engine)
        ctx["stop_metrics"] = start_metrics_server(
            settings.worker_metrics_host, settings.worker_metrics_port
        )
        # The AI agent's models load once per process: now, rather than in the first job.
        await asyncio.to_thread(warm_up)
        matrices(ctx["services"]).start_building()  # in the background: jobs run meanwhile

    async def shutdown(ctx: dict[str, Any]) -> None:
        await ctx["services"].close()
        if ctx.get("stop_metrics") is not None:
            ctx["stop_metrics"]()

    return {
        # Each run is logged and measured, under the request that enqueued it (observed).
        "functions": [observed(task) for task in TASKS.values()],
        "cron_jobs": [
            cron(observed(heartbeat), second=0),
            # Settles batches left open by a crash or a slow chain; issuing also enqueues runs.
            cron(observed(anchor_credentials), second={0, 30}, unique=True),
        ],
        "redis_settings": RedisSettings.from_dsn(settings.redis_url or "redis://127.0.0.1:6379"),
        "queue_name": settings.job_queue_name,
        "on_startup": startup,
        "on_shutdown": shutdown,
        "max_tries": 5,
        "poll_delay": 0.1,  # seconds between queue polls: bounds how long a job waits
        "retry_jobs": True,
        # Liveness per host for `iworkz worker --check` (workers/health.py).
        "health_check_key": health_check_key(settings),
        "health_check_interval": HEALTH_CHECK_INTERVAL_SECONDS,
        # On SIGTERM, jobs in flight may finish (within the pod's grace period); the rest
        # are cancelled and retried by another worker.
        "job_completion_wait": settings.graceful_shutdown_seconds,
        **overrides,
    }


def run_worker(settings: Settings) -> None:
    if not settings.database_url:
        raise SystemExit("the worker needs DATABASE_URL")
    init_sentry(settings, "worker")  # before arq builds the worker: the integration wraps it
    arq_run_worker(type("WorkerSettings", (), worker_settings(settings)))  # type: ignore[arg-type]
