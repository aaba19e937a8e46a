"""One transaction, and the events and jobs it releases once it has committed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.events import DomainEvent, EventBus, JobQueue

HANDLE_EVENT = "handle_event"  # the background task that runs domain/event_handlers.py


@dataclass
class UnitOfWork:
    session: AsyncSession
    events: list[DomainEvent] = field(default_factory=list)
    jobs: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def record(self, name: str, **payload: Any) -> None:
        self.events.append(DomainEvent(name, payload))

    def enqueue_after_commit(self, function: str, *, job_id: str, **kwargs: Any) -> None:
        self.jobs.append((function, job_id, kwargs))


@asynccontextmanager
async def unit_of_work(
    session_factory: Callable[[], AsyncSession], bus: EventBus, queue: JobQueue
) -> AsyncIterator[UnitOfWork]:
    async with session_factory() as session:
        uow = UnitOfWork(session)
        async with session.begin():
            yield uow
    for event in uow.events:
        await bus.publish(event)
        # Slower consequences (notifications, webhooks) run in the background, once per event.
        await queue.enqueue(HANDLE_EVENT, job_id=f"event:{event.id}", event=event.to_json())
    for function, job_id, kwargs in uow.jobs:
        await queue.enqueue(function, job_id=job_id, **kwargs)
