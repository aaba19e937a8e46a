"""Background tasks: thin wrappers that take the process's services and call domain/.

Each task is safe to run twice: enqueuers pass a job id keyed by the object and
its version (or the event id), and every task re-reads current state before acting.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import text

from domain.event_handlers import dispatch
from domain.events import DomainEvent
from domain.unit_of_work import HANDLE_EVENT

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


TASKS: dict[str, Task] = {HANDLE_EVENT: handle_event}
