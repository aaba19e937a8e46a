"""Background tasks: thin wrappers that take the process's services and call domain/.

Each task is safe to run twice: enqueuers pass a job id keyed by the object and
its version (or the event id), and every task re-reads current state before acting.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from arq.worker import Retry
from sqlalchemy import text

import domain.ai.handlers
import domain.credentials.handlers
import domain.matching.handlers
import domain.notifications.handlers
import domain.webhooks.handlers  # noqa: F401  (they register their event handlers)
from domain.ai import saved as ai_saved
from domain.ai.models import SubjectKind
from domain.clock import utcnow
from domain.credentials.anchoring import Anchorer, AnchoringPolicy, has_work
from domain.credentials.issuing import ANCHOR_CREDENTIALS
from domain.event_handlers import dispatch
from domain.events import DomainEvent
from domain.matching import service as matching
from domain.notifications import delivery as notification_delivery
from domain.notifications.delivery import DeliveryOutcome
from domain.notifications.service import DELIVER_NOTIFICATION
from domain.unit_of_work import HANDLE_EVENT
from domain.webhooks import delivery as webhook_delivery
from domain.webhooks.handlers import DELIVER_WEBHOOK
from workers.matrices import Matrices

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


def matrices(services: Any) -> Matrices:
    """This process's matching matrices, kept on the services: arq hands every job a
    copy of its context, so anything kept on `ctx` would be rebuilt for every job."""
    held = services.extras
    if "matching_matrices" not in held:
        held["matching_matrices"] = Matrices(
            services.database.session, services.settings.matching_cache_max_age_seconds
        )
    found: Matrices = held["matching_matrices"]
    return found


def _retry_later(ctx: dict[str, Any], error: Exception) -> Retry:
    """Exponential backoff (2, 4, 8, … s) for a ranking that failed; the worker gives up
    after its max_tries and the object stays PENDING, visible to clients."""
    log.warning("ranking failed (try %s): %r", ctx.get("job_try", 1), error)
    matrices(ctx["services"]).discard()  # rebuilt from the database next try
    return Retry(defer=2 ** ctx.get("job_try", 1))


async def rank_workers_for_job(ctx: dict[str, Any], job: str, version: int) -> int | None:
    """Store the job's best candidates as suggestions (skipped if a newer version exists)."""
    services = ctx["services"]
    try:
        cache = await matrices(services).current()
        async with services.database.transaction(services.bus, services.queue) as uow:
            return await matching.refresh_suggestions_for_job(
                uow, cache, uuid.UUID(job), version, top_k=services.settings.matching_top_k
            )
    except Exception as error:
        raise _retry_later(ctx, error) from error


async def rank_jobs_for_worker(ctx: dict[str, Any], profile: str, version: int) -> int | None:
    """Store the worker's best jobs as suggestions (skipped if a newer version exists)."""
    services = ctx["services"]
    try:
        cache = await matrices(services).current()
        async with services.database.transaction(services.bus, services.queue) as uow:
            return await matching.refresh_suggestions_for_worker(
                uow, cache, uuid.UUID(profile), version, top_k=services.settings.matching_top_k
            )
    except Exception as error:
        raise _retry_later(ctx, error) from error


async def anchor_credentials(ctx: dict[str, Any]) -> dict[str, int]:
    """Anchor what was issued or revoked since the last run, and settle open batches; runs
    again shortly while a batch waits for confirmations."""
    services = ctx["services"]
    settings = services.settings
    if not await has_work(services.database.session):
        return {}
    anchorer = Anchorer(
        services.database.session,
        services.bus,
        services.queue,
        await services.chain(),
        AnchoringPolicy(
            batch_size=settings.credential_anchor_batch_size,
            min_confirmations=settings.chain_min_confirmations,
            stuck_after=timedelta(seconds=settings.chain_stuck_after_seconds),
        ),
        utcnow,
    )
    run = await anchorer.run()
    if run.still_open:
        raise Retry(defer=min(settings.credential_anchor_interval_seconds, 5.0))
    return dataclasses.asdict(run)


async def extract_saved_text(ctx: dict[str, Any], kind: str, subject: str, text_hash: str) -> str:
    """Read a saved job ad or profile again (extraction and embedding) if it is still the
    text queued; the outcome (DONE, FAILED, STALE or GONE) shows in arq's log."""
    services = ctx["services"]
    return await ai_saved.run_extraction(
        services.database.session,
        SubjectKind(kind),
        uuid.UUID(subject),
        text_hash,
        queue=services.queue,  # a stored short embedding ranks the object again
    )


TASKS: dict[str, Task] = {
    ANCHOR_CREDENTIALS: anchor_credentials,
    HANDLE_EVENT: handle_event,
    matching.RANK_WORKERS_FOR_JOB: rank_workers_for_job,
    matching.RANK_JOBS_FOR_WORKER: rank_jobs_for_worker,
    DELIVER_NOTIFICATION: deliver_notification,
    DELIVER_WEBHOOK: deliver_webhook,
    ai_saved.EXTRACT_SAVED_TEXT: extract_saved_text,
}
