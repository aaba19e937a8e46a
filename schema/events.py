"""Live event types delivered over subscriptions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import strawberry

from schema.credentials import Credential
from schema.jobs import Job
from schema.matches import Match


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


class MatchEventKind(StrEnum):
    CREATED = "match.created"
    UPDATED = "match.updated"


strawberry.enum(MatchEventKind, description="A match appeared or changed status.")


@strawberry.type(description="A match as it is now, after it appeared or changed.")
class MatchEvent:
    kind: MatchEventKind
    match: Match
    occurred_at: datetime


class CredentialEventKind(StrEnum):
    ANCHORED = "credential.anchored"
    REVOKED = "credential.revoked"


strawberry.enum(CredentialEventKind, description="A credential was anchored on chain or revoked.")


@strawberry.type(description="A credential as it is now, after it was anchored or revoked.")
class CredentialEvent:
    kind: CredentialEventKind
    credential: Credential
    occurred_at: datetime
