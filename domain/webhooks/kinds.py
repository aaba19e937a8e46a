"""The events partners can subscribe to, and what each delivery says about them.

Only events a partner may see (public objects), and only ids and kinds: a
webhook payload never carries personal data or free text. Adding a kind is one
entry in `WebhookEventKind` and one in `WEBHOOK_EVENTS` (the domain event it
comes from and how to build its `data`, or None when the object is not public).
Matches and credentials (issues 4 and 6) add theirs when their visibility rules
for partners exist.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from domain.events import DomainEvent
from domain.global_ids import to_global_id
from domain.jobs.models import Job
from domain.jobs.status import JobStatus


class WebhookEventKind(StrEnum):
    JOB_PUBLISHED = "job.published"
    JOB_UPDATED = "job.updated"


EventData = Callable[[AsyncSession, DomainEvent], Awaitable[dict[str, str] | None]]


@dataclass(frozen=True, slots=True)
class WebhookEventSpec:
    kind: WebhookEventKind
    data: EventData


async def _public_job(session: AsyncSession, event: DomainEvent) -> dict[str, str] | None:
    job = await session.get(Job, uuid.UUID(event.payload["job_id"]))
    if job is None or job.status == JobStatus.DRAFT:  # drafts are private to their organisation
        return None
    return {
        "jobId": to_global_id("Job", job.id),
        "organizationId": to_global_id("Organization", job.organization_id),
    }


# domain event name → what partners receive
WEBHOOK_EVENTS: dict[str, WebhookEventSpec] = {
    "job.published": WebhookEventSpec(WebhookEventKind.JOB_PUBLISHED, _public_job),
    "job.updated": WebhookEventSpec(WebhookEventKind.JOB_UPDATED, _public_job),
}
