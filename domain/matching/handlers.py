"""When a job or a profile changes (the change marked it PENDING), schedule its ranking:
debounced, and once per version."""

from __future__ import annotations

import uuid
from datetime import timedelta

from domain.clock import utcnow
from domain.event_handlers import handles
from domain.events import DomainEvent, JobQueue
from domain.matching.service import RANK_JOBS_FOR_WORKER, RANK_WORKERS_FOR_JOB
from domain.unit_of_work import UnitOfWork

# A burst of edits within this window is ranked once, for its last version.
DEBOUNCE = timedelta(seconds=2)


@handles("job.published", "job.updated")
async def schedule_job_ranking(uow: UnitOfWork, event: DomainEvent) -> None:
    job_id, version = event.payload["job_id"], event.payload.get("version")
    if version is None:
        return
    uow.enqueue_after_commit(
        RANK_WORKERS_FOR_JOB,
        job_id=f"rank-job:{job_id}:{version}",
        job=job_id,
        version=version,
        defer_until=utcnow() + DEBOUNCE,
    )


@handles("profile.created", "profile.updated")
async def schedule_worker_ranking(uow: UnitOfWork, event: DomainEvent) -> None:
    profile_id, version = event.payload["profile_id"], event.payload.get("version")
    if version is None:
        return
    uow.enqueue_after_commit(
        RANK_JOBS_FOR_WORKER,
        job_id=f"rank-worker:{profile_id}:{version}",
        profile=profile_id,
        version=version,
        defer_until=utcnow() + DEBOUNCE,
    )


async def schedule_ranking_after_reading(
    queue: JobQueue, kind: str, subject_id: uuid.UUID, version: int
) -> None:
    """The background reading stored the job's or profile's short-text embedding: rank it
    again so the text factor uses it (the ranking its save queued may have run first).
    Keyed apart from that ranking, once per version; no debounce, the save's was served."""
    if kind == "JOB":
        await queue.enqueue(
            RANK_WORKERS_FOR_JOB,
            job_id=f"rank-job:{subject_id}:{version}:read",
            job=str(subject_id),
            version=version,
        )
    else:
        await queue.enqueue(
            RANK_JOBS_FOR_WORKER,
            job_id=f"rank-worker:{subject_id}:{version}:read",
            profile=str(subject_id),
            version=version,
        )
