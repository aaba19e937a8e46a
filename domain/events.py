"""Domain events and the port they leave through.

Events are recorded on the unit of work during a transaction and published
only after it commits, so a rolled-back change publishes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from domain.clock import utcnow


@dataclass(frozen=True, slots=True)
class DomainEvent:
    name: str  # "job.published", "match.updated", ...
    payload: dict[str, Any]
    occurred_at: str = field(default_factory=lambda: utcnow().isoformat())


class EventBus(Protocol):
    async def publish(self, event: DomainEvent) -> None: ...


class JobQueue(Protocol):
    """Background work; `job_id` makes a submission idempotent."""

    async def enqueue(self, function: str, *, job_id: str, **kwargs: Any) -> None: ...
