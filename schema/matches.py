"""Match types and inputs."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from domain.matching.lifecycle import MatchOrigin, MatchStatus
from domain.matching.models import Match as MatchRow
from domain.matching.models import MatchTransition as MatchTransitionRow
from schema.context import Info
from schema.errors import UserError
from schema.ids import to_global_id
from schema.jobs import Job
from schema.relay import Node
from schema.workers import Worker

strawberry.enum(MatchStatus, description="Where a match stands; see `transitionMatch`.")
strawberry.enum(MatchOrigin, description="How the match began.")


@strawberry.type(description="One status change of a match.")
class MatchTransition:
    from_status: MatchStatus | None
    to_status: MatchStatus
    note: str
    changed_at: datetime

    @classmethod
    def from_row(cls, row: MatchTransitionRow) -> MatchTransition:
        return cls(
            from_status=MatchStatus(row.from_status) if row.from_status else None,
            to_status=MatchStatus(row.to_status),
            note=row.note,
            changed_at=row.changed_at,  # type: ignore[arg-type]
        )


@strawberry.type(description="A job and a worker brought together, with how well they fit.")
class Match(Node):
    pk: strawberry.Private[uuid.UUID]
    job_pk: strawberry.Private[uuid.UUID]
    profile_pk: strawberry.Private[uuid.UUID]
    status: MatchStatus
    origin: MatchOrigin
    score: float = strawberry.field(description="0 (poor) to 1 (perfect) fit.")
    breakdown: JSON = strawberry.field(description="Each factor's score, 0 to 1.")
    explanation_en: str
    explanation_ja: str
    created_at: datetime
    updated_at: datetime | None

    @classmethod
    def from_row(cls, row: MatchRow) -> Match:
        return cls(
            id=strawberry.ID(to_global_id("Match", row.id)),
            pk=row.id,
            job_pk=row.job_id,
            profile_pk=row.profile_id,
            status=MatchStatus(row.status),
            origin=MatchOrigin(row.origin),
            score=row.score,
            breakdown=row.breakdown,  # type: ignore[arg-type]
            explanation_en=row.explanation_en,
            explanation_ja=row.explanation_ja,
            created_at=row.created_at,  # type: ignore[arg-type]
            updated_at=row.updated_at,
        )

    @strawberry.field(description="The explanation in `ja` or `en`.")
    def explanation(self, locale: str = "ja") -> str:
        return self.explanation_ja if locale == "ja" else self.explanation_en

    @strawberry.field
    async def job(self, info: Info) -> Job | None:
        row = await info.context.loaders.visible_job.load(self.job_pk)
        return Job.from_row(row) if row else None

    @strawberry.field(description="The worker; both sides of a match see each other's profile.")
    async def worker(self, info: Info) -> Worker | None:
        row = await info.context.loaders.matched_profile.load(self.profile_pk)
        return Worker.from_row(row) if row else None

    @strawberry.field(description="Every status change, oldest first.")
    async def history(self, info: Info) -> list[MatchTransition]:
        rows = await info.context.loaders.match_history.load(self.pk)
        return [MatchTransition.from_row(row) for row in rows]


@strawberry.input(description="The job to apply to.")
class ApplyToJobInput:
    job_id: strawberry.ID


@strawberry.input(description="Invite a worker to one of your organisation's open jobs.")
class InviteWorkerInput:
    job_id: strawberry.ID
    worker_id: strawberry.ID


@strawberry.input(description="Move a match on; who may do what is in `MatchStatus`'s rules.")
class TransitionMatchInput:
    match_id: strawberry.ID
    status: MatchStatus
    note: str = ""


@strawberry.type(description="The match after the mutation, or the errors that stopped it.")
class MatchPayload:
    match: Match | None
    errors: list[UserError]


@strawberry.input(description="Narrow the match list.")
class MatchFilter:
    job_id: strawberry.ID | None = None
    statuses: list[MatchStatus] | None = None


@strawberry.type(description="One proposed assignment: this worker for one opening of this job.")
class StaffingAssignment:
    job_pk: strawberry.Private[uuid.UUID]
    worker_pk: strawberry.Private[uuid.UUID]
    score: float

    @strawberry.field
    async def job(self, info: Info) -> Job | None:
        row = await info.context.loaders.visible_job.load(self.job_pk)
        return Job.from_row(row) if row else None

    @strawberry.field
    async def worker(self, info: Info) -> Worker | None:
        row = await info.context.loaders.visible_profile.load(self.worker_pk)
        return Worker.from_row(row) if row else None


@strawberry.type(description="An optimal staffing of several shift jobs, for you to confirm.")
class StaffingProposal:
    assignments: list[StaffingAssignment]
    total_score: float
    unfilled_openings: int = strawberry.field(description="Openings no eligible worker fits.")
