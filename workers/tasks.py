"""Background tasks: thin wrappers that take the process's services and call domain/.

Each task is safe to run twice: enqueuers pass a job id keyed by the object and
its version (or the event id), and every task re-reads current state before acting.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from arq.worker import Retry
from sqlalchemy import text

import domain.notifications.handlers
import domain.webhooks.handlers  # noqa: F401  (both register their event handlers)
from domain.event_handlers import dispatch
from domain.events import DomainEvent
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


TASKS: dict[str, Task] = {
    HANDLE_EVENT: handle_event,
    DELIVER_NOTIFICATION: deliver_notification,
    DELIVER_WEBHOOK: deliver_webhook,
}
