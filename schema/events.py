"""Live event types delivered over subscriptions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import strawberry

from schema.credentials import Credential
from schema.enums import describe_values
from schema.jobs import Job
from schema.matches import Match


class JobEventKind(StrEnum):
    CREATED = "job.created"
    PUBLISHED = "job.published"
    UPDATED = "job.updated"


strawberry.enum(JobEventKind, description="What happened to the job.")
describe_values(
    JobEventKind,
    {
        JobEventKind.CREATED: "The job was created (as a draft).",
        JobEventKind.PUBLISHED: "The job was published: it is open.",
        JobEventKind.UPDATED: "The job was edited or changed status.",
    },
)


@strawberry.type(description="A change to a job, with the job as it is now.")
class JobEvent:
    kind: JobEventKind = strawberry.field(description="What happened.")
    job: Job = strawberry.field(description="The job as it is now.")
    occurred_at: datetime = strawberry.field(description="When it happened.")


class MatchEventKind(StrEnum):
    CREATED = "match.created"
    UPDATED = "match.updated"


strawberry.enum(MatchEventKind, description="A match appeared or changed status.")
describe_values(
    MatchEventKind,
    {
        MatchEventKind.CREATED: "A new match: suggested, applied for or invited.",
        MatchEventKind.UPDATED: "The match moved to another status.",
    },
)


@strawberry.type(description="A match as it is now, after it appeared or changed.")
class MatchEvent:
    kind: MatchEventKind = strawberry.field(description="Whether the match is new or changed.")
    match: Match = strawberry.field(description="The match as it is now.")
    occurred_at: datetime = strawberry.field(description="When it happened.")


class CredentialEventKind(StrEnum):
    ANCHORED = "credential.anchored"
    REVOKED = "credential.revoked"


strawberry.enum(CredentialEventKind, description="A credential was anchored on chain or revoked.")
describe_values(
    CredentialEventKind,
    {
        CredentialEventKind.ANCHORED: "The credential's batch was confirmed on chain.",
        CredentialEventKind.REVOKED: "The issuer revoked the credential.",
    },
)


@strawberry.type(description="A credential as it is now, after it was anchored or revoked.")
class CredentialEvent:
    kind: CredentialEventKind = strawberry.field(
        description="Whether the credential was anchored or revoked.",
    )
    credential: Credential = strawberry.field(description="The credential as it is now.")
    occurred_at: datetime = strawberry.field(description="When it happened.")
