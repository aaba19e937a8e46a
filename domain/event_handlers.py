"""What happens in the background after an event: a registry of handlers per event name.

The worker (or the inline queue when embedded) calls `dispatch` once per event.
Each handler runs in a unit of work of its own, so the events it records are
published after its own commit. Handlers must be idempotent: a retried job runs
them again.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from domain.events import DomainEvent, EventBus, JobQueue
from domain.unit_of_work import UnitOfWork, unit_of_work

log = logging.getLogger(__name__)

Handler = Callable[[UnitOfWork, DomainEvent], Awaitable[None]]
_HANDLERS: dict[str, list[Handler]] = defaultdict(list)


def handles(*event_names: str) -> Callable[[Handler], Handler]:
    """Register a handler: `@handles("job.published")`."""

    def register(handler: Handler) -> Handler:
        for name in event_names:
            _HANDLERS[name].append(handler)
        return handler

    return register


def handlers_for(event_name: str) -> list[Handler]:
    return list(_HANDLERS.get(event_name, ()))


async def dispatch(
    session_factory: Callable[[], Any], bus: EventBus, queue: JobQueue, event: DomainEvent
) -> int:
    """Run every handler of the event; a failing handler raises so the job is retried."""
    handlers = handlers_for(event.name)
    for handler in handlers:
        async with unit_of_work(session_factory, bus, queue) as uow:
            await handler(uow, event)
    return len(handlers)
