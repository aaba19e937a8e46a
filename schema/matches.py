"""Match types and inputs."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from operator import attrgetter
from typing import Annotated, Any, ClassVar

import strawberry
from strawberry.scalars import JSON

from domain.jobs.models import Job as JobRow
from domain.matching.lifecycle import MatchOrigin, MatchStatus
from domain.matching.models import Match as MatchRow
from domain.matching.models import MatchTransition as MatchTransitionRow
from domain.sql import Columns
from schema.context import Info
from schema.enums import describe_values, member_of
from schema.errors import UserError
from schema.ids import node_id
from schema.jobs import Job
from schema.loaded_fields import loaded_field
from schema.relay import Node
from schema.row_backed import RowBacked, column_values
from schema.workers import Worker

strawberry.enum(MatchStatus, description="Where a match stands; see `transitionMatch`.")
strawberry.enum(MatchOrigin, description="How the match began.")
describe_values(
    MatchStatus,
    {
        MatchStatus.SUGGESTED: "Suggested by the engine; the worker may apply or decline, "
        "the employer may invite.",
        MatchStatus.APPLIED: "The worker applied; the employer may interview or reject.",
        MatchStatus.INVITED: "The employer invited the worker; the worker may accept (interview) "
        "or decline.",
        MatchStatus.INTERVIEWING: "In interview: contact details are shared; the employer may "
        "offer or reject.",
        MatchStatus.OFFERED: "The employer made an offer; the worker may accept (hire) or decline.",
        MatchStatus.HIRED: "The worker accepted the offer (final).",
        MatchStatus.DECLINED: "The worker said no (final).",
        MatchStatus.REJECTED: "The employer said no (final).",
        MatchStatus.WITHDRAWN: "Whoever started this step took it back (final).",
    },
)
describe_values(
    MatchOrigin,
    {
        MatchOrigin.ENGINE: "The matching engine suggested it.",
        MatchOrigin.APPLICATION: "The worker applied.",
        MatchOrigin.INVITATION: "The employer invited the worker.",
    },
)

_as_status = member_of(MatchStatus)
_PRELOADED_JOB = "_job_row"  # where `Match.preload_job` keeps the row
_as_origin = member_of(MatchOrigin)


@strawberry.type(description="One status change of a match.")
class MatchTransition:
    from_status: MatchStatus | None = strawberry.field(
        description="The status before; null for the match's first status.",
    )
    to_status: MatchStatus = strawberry.field(description="The status after.")
    note: str = strawberry.field(description="What the person who moved it wrote; may be empty.")
    changed_at: datetime = strawberry.field(description="When it changed.")

    @classmethod
    def from_row(cls, row: MatchTransitionRow) -> MatchTransition:
        return cls(
            from_status=MatchStatus(row.from_status) if row.from_status else None,
            to_status=MatchStatus(row.to_status),
            note=row.note,
            changed_at=row.changed_at,  # type: ignore[arg-type]
        )


@strawberry.type(description="A job and a worker brought together, with how well they fit.")
class Match(RowBacked, Node):
    pk: strawberry.Private[uuid.UUID]
    job_pk: strawberry.Private[uuid.UUID]
    profile_pk: strawberry.Private[uuid.UUID]
    status: MatchStatus = strawberry.field(description="Where the match stands.")
    origin: MatchOrigin = strawberry.field(
        description="Whether the engine suggested it, the worker applied or the employer invited.",
    )
    score: float = strawberry.field(description="0 (poor) to 1 (perfect) fit.")
    breakdown: JSON = strawberry.field(description="Each factor's score, 0 to 1.")
    explanation_en: str = strawberry.field(description="Why they fit, in English.")
    explanation_ja: str = strawberry.field(description="Why they fit, in Japanese.")
    created_at: datetime = strawberry.field(description="When the match began.")
    updated_at: datetime | None = strawberry.field(
        description="When it last changed; null if never.",
    )

    @classmethod
    def from_row(cls, row: MatchRow | Columns) -> Match:
        """The match, each field converted from `row` when first read (`RowBacked`)."""
        columns = column_values(row)
        pk = columns.id
        return cls.lazily(
            columns,
            {
                "id": node_id("Match", pk),
                "pk": pk,
                "job_pk": columns.job_id,
                "profile_pk": columns.profile_id,
            },
        )

    converters: ClassVar[Mapping[str, Callable[[MatchRow], Any]]] = {
        "status": lambda row: _as_status(row.status),
        "origin": lambda row: _as_origin(row.origin),
        "score": attrgetter("score"),
        "breakdown": attrgetter("breakdown"),
        "explanation_en": attrgetter("explanation_en"),
        "explanation_ja": attrgetter("explanation_ja"),
        "created_at": attrgetter("created_at"),
        "updated_at": attrgetter("updated_at"),
    }
    always_read: ClassVar[tuple[str, ...]] = ("id", "job_id", "profile_id")
    columns_of_field: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "explanation": ("explanation_en", "explanation_ja"),
    }

    @strawberry.field(description="The explanation in `ja` or `en`.")
    def explanation(
        self,
        locale: Annotated[str, strawberry.argument(description="`ja` (default) or `en`.")] = "ja",
    ) -> str:
        return self.explanation_ja if locale == "ja" else self.explanation_en

    job: Job | None = loaded_field(
        "visible_job",
        key="job_pk",
        convert=Job.from_optional_row,
        description="The job; null if you may no longer see it.",
        preloaded=_PRELOADED_JOB,
    )

    def preload_job(self, row: JobRow | Columns | None) -> None:
        """Give this match its job's columns, already read (None: the caller may not see it),
        so `job` asks no loader: a page of suggestions reads its jobs in its own statement."""
        self.__dict__[_PRELOADED_JOB] = row  # not a field of the GraphQL type

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
    job_id: strawberry.ID = strawberry.field(description="The open job's ID.")


@strawberry.input(description="Invite a worker to one of your organisation's open jobs.")
class InviteWorkerInput:
    job_id: strawberry.ID = strawberry.field(description="Your organisation's open job.")
    worker_id: strawberry.ID = strawberry.field(
        description="The worker (a public profile) to invite.",
    )


@strawberry.input(description="Move a match on; who may do what is in `MatchStatus`'s rules.")
class TransitionMatchInput:
    match_id: strawberry.ID = strawberry.field(description="The match's ID.")
    status: MatchStatus = strawberry.field(description="The status to move to.")
    note: str = strawberry.field(
        default="",
        description="A note for the other side, kept in the history.",
    )


@strawberry.type(description="The match after the mutation, or the errors that stopped it.")
class MatchPayload:
    match: Match | None = strawberry.field(
        description="The match as it is now; null when it failed.",
    )
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.input(description="Narrow the match list.")
class MatchFilter:
    job_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Only matches for this job.",
    )
    statuses: list[MatchStatus] | None = strawberry.field(
        default=None,
        description="Only matches in these statuses.",
    )


@strawberry.type(description="One proposed assignment: this worker for one opening of this job.")
class StaffingAssignment:
    job_pk: strawberry.Private[uuid.UUID]
    worker_pk: strawberry.Private[uuid.UUID]
    score: float = strawberry.field(description="How well the worker fits the job, 0 to 1.")

    job: Job | None = loaded_field(
        "visible_job", key="job_pk", convert=Job.from_optional_row, description="The job."
    )

    @strawberry.field(description="The worker proposed for it.")
    async def worker(self, info: Info) -> Worker | None:
        row = await info.context.loaders.visible_profile.load(self.worker_pk)
        return Worker.from_row(row) if row else None


@strawberry.type(description="An optimal staffing of several shift jobs, for you to confirm.")
class StaffingProposal:
    assignments: list[StaffingAssignment] = strawberry.field(
        description="Who goes where: one entry per filled opening.",
    )
    total_score: float = strawberry.field(
        description="The sum of the assignments' scores (the largest possible).",
    )
    unfilled_openings: int = strawberry.field(description="Openings no eligible worker fits.")
