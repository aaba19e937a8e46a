"""Live event types delivered over subscriptions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import strawberry

from schema.jobs import Job


class JobEventKind(StrEnum):
    CREATED = "job.created"
    PUBLISHED = "job.published"
    UPDATED = "job.updated"


strawberry.enum(JobEventKind, description="What happened to the job.")


@strawberry.type(description="A change to a job, with the job as it is now.")
class JobEvent:
    kind: JobEventKind
    job: Job
    occurred_at: datetime
