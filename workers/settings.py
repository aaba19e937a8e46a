"""arq worker settings: the production runner for the tasks in workers.tasks."""

from __future__ import annotations

from typing import Any

from arq import cron
from arq import run_worker as arq_run_worker
from arq.connections import RedisSettings

from server.services import build_services
from server.settings import Settings
from workers.tasks import TASKS, anchor_credentials, heartbeat


def worker_settings(settings: Settings, **overrides: Any) -> dict[str, Any]:
    async def startup(ctx: dict[str, Any]) -> None:
        ctx["services"] = await build_services(settings)

    async def shutdown(ctx: dict[str, Any]) -> None:
        await ctx["services"].close()

    return {
        "functions": list(TASKS.values()),
        "cron_jobs": [
            cron(heartbeat, second=0),
            # Settles batches left open by a crash or a slow chain; issuing also enqueues runs.
            cron(anchor_credentials, second={0, 30}, unique=True),
        ],
        "redis_settings": RedisSettings.from_dsn(settings.redis_url or "redis://127.0.0.1:6379"),
        "queue_name": settings.job_queue_name,
        "on_startup": startup,
        "on_shutdown": shutdown,
        "max_tries": 5,
        "poll_delay": 0.1,  # seconds between queue polls: bounds how long a job waits
        "retry_jobs": True,
        **overrides,
    }


def run_worker(settings: Settings) -> None:
    if not settings.database_url:
        raise SystemExit("the worker needs DATABASE_URL")
    arq_run_worker(type("WorkerSettings", (), worker_settings(settings)))  # type: ignore[arg-type]
