"""When a job ad or a profile is saved, read its text again in the background
(`domain.ai.saved`): the status shows on the object as PENDING until it is done."""

from __future__ import annotations

import uuid

from domain.ai.models import SubjectKind
from domain.ai.saved import schedule_extraction
from domain.event_handlers import handles
from domain.events import DomainEvent
from domain.unit_of_work import UnitOfWork


@handles("job.created", "job.updated", "job.published")
async def schedule_job_extraction(uow: UnitOfWork, event: DomainEvent) -> None:
    await schedule_extraction(uow, SubjectKind.JOB, uuid.UUID(event.payload["job_id"]))


@handles("profile.created", "profile.updated")
async def schedule_profile_extraction(uow: UnitOfWork, event: DomainEvent) -> None:
    await schedule_extraction(uow, SubjectKind.PROFILE, uuid.UUID(event.payload["profile_id"]))
