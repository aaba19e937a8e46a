"""Background tasks: thin wrappers that take the process's services and call domain/.

Each task is safe to run twice: enqueuers pass a job id keyed by the object and
its version (or the event id), and every task re-reads current state before acting.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from arq.worker import Retry
from sqlalchemy import text

import domain.matching.handlers
import domain.notifications.handlers
import domain.webhooks.handlers  # noqa: F401  (they register their event handlers)
from domain.event_handlers import dispatch
from domain.events import DomainEvent
from domain.matching import service as matching
from domain.matching.cache import FeatureCache
from domain.notifications import delivery as notification_delivery
from domain.notifications.delivery import DeliveryOutcome
from domain.notifications.service import DELIVER_NOTIFICATION
from domain.unit_of_work import HANDLE_EVENT
from domain.webhooks import delivery as webhook_delivery
from domain.webhooks.handlers import DELIVER_WEBHOOK

log = logging.getLogger(__name__)
Task = Callable[..., Awaitable[Any]]


async def handle_event(ctx: dict[str, Any], event: dict[str, Any]) -> int:
    """Run the background handlers of one domain event (notifications, webhooks, …)."""
    services = ctx["services"]
    return await dispatch(
        services.database.session, services.bus, services.queue, DomainEvent.from_json(event)
    )


async def heartbeat(ctx: dict[str, Any]) -> None:
    """Once a minute: prove the worker can reach the database (a failure shows in arq's log)."""
    async with ctx["services"].database.session() as session:
        await session.execute(text("SELECT 1"))


def _finished(outcome: DeliveryOutcome) -> str:
    """A failed attempt that may succeed later runs again after the backoff delay."""
    if outcome.retry_in is not None:
        raise Retry(defer=outcome.retry_in)
    return outcome.status.value


async def deliver_notification(ctx: dict[str, Any], delivery_id: str) -> str:
    """Send one notification on one channel (EMAIL or PUSH); job id per delivery."""
    services = ctx["services"]
    outcome = await notification_delivery.deliver_notification(
        services.database.session, services.channels, uuid.UUID(delivery_id)
    )
    return _finished(outcome)


async def deliver_webhook(ctx: dict[str, Any], delivery_id: str) -> str:
    """POST one signed event to one partner webhook; job id per delivery."""
    services = ctx["services"]
    outcome = await webhook_delivery.deliver_webhook(
        services.database.session, services.channels, services.keyring, uuid.UUID(delivery_id)
    )
    return _finished(outcome)


async def _feature_cache(ctx: dict[str, Any]) -> FeatureCache:
    """This process's matrices: built on first use, rebuilt when older than the setting
    (which bounds how stale other processes' changes can be here)."""
    services = ctx["services"]
    built_at = ctx.get("matching_cache_built_at", 0.0)
    if "matching_cache" not in ctx or time.monotonic() - built_at > (
        services.settings.matching_cache_max_age_seconds
    ):
        async with services.database.session() as session:
            ctx["matching_cache"] = await matching.build_feature_cache(session)
        ctx["matching_cache_built_at"] = time.monotonic()
    cache: FeatureCache = ctx["matching_cache"]
    return cache


async def rank_workers_for_job(ctx: dict[str, Any], job: str, version: int) -> int | None:
    """Store the job's best candidates as suggestions (skipped if a newer version exists)."""
    services = ctx["services"]
    cache = await _feature_cache(ctx)
    async with services.database.transaction(services.bus, services.queue) as uow:
        return await matching.refresh_suggestions_for_job(
            uow, cache, uuid.UUID(job), version, top_k=services.settings.matching_top_k
        )


async def rank_jobs_for_worker(ctx: dict[str, Any], profile: str, version: int) -> int | None:
    """Store the worker's best jobs as suggestions (skipped if a newer version exists)."""
    services = ctx["services"]
    cache = await _feature_cache(ctx)
    async with services.database.transaction(services.bus, services.queue) as uow:
        return await matching.refresh_suggestions_for_worker(
            uow, cache, uuid.UUID(profile), version, top_k=services.settings.matching_top_k
        )


TASKS: dict[str, Task] = {
    HANDLE_EVENT: handle_event,
    matching.RANK_WORKERS_FOR_JOB: rank_workers_for_job,
    matching.RANK_JOBS_FOR_WORKER: rank_jobs_for_worker,
    DELIVER_NOTIFICATION: deliver_notification,
    DELIVER_WEBHOOK: deliver_webhook,
}
