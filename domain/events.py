"""Domain events and the port they leave through.

Events are recorded on the unit of work during a transaction and published
only after it commits, so a rolled-back change publishes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from domain.clock import utcnow


@dataclass(frozen=True, slots=True)
class DomainEvent:
    name: str  # "job.published", "match.updated", ...
    payload: dict[str, Any]
    occurred_at: str = field(default_factory=lambda: utcnow().isoformat())
    # Unique per event: background handlers use it to run exactly once per event.
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "payload": self.payload,
            "occurred_at": self.occurred_at,
            "id": self.id,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DomainEvent:
        return cls(
            name=data["name"],
            payload=data["payload"],
            occurred_at=data["occurred_at"],
            id=data["id"],
        )


class EventBus(Protocol):
    async def publish(self, event: DomainEvent) -> None: ...


class JobQueue(Protocol):
    """Background work; `job_id` makes a submission idempotent; `defer_until` (an aware
    datetime) holds the job back until then (quiet hours)."""

    async def enqueue(
        self, function: str, *, job_id: str, defer_until: datetime | None = None, **kwargs: Any
    ) -> None: ...
