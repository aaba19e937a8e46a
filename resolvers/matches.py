"""Match queries and mutations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import strawberry

from domain.matching import queries, service, workflow
from domain.matching.models import Match as MatchRow
from domain.unit_of_work import UnitOfWork
from resolvers.mutations import in_transaction
from resolvers.pagination import page_request
from schema.context import Info
from schema.errors import UserError
from schema.inputs import to_domain
from schema.jobs import Job
from schema.matches import (
    ApplyToJobInput,
    InviteWorkerInput,
    Match,
    MatchFilter,
    MatchPayload,
    StaffingAssignment,
    StaffingProposal,
    TransitionMatchInput,
)
from schema.organizations import Organization
from schema.relay import After, Before, Connection, First, Last
from schema.selections import names_selected

IDS = {"job_id": "Job", "worker_id": "Worker", "match_id": "Match"}


def _payload(row: MatchRow | None, errors: list[UserError]) -> MatchPayload:
    return MatchPayload(match=Match.from_row(row) if row else None, errors=errors)


async def apply_to_job(
    info: Info,
    input: Annotated[ApplyToJobInput, strawberry.argument(description="The open job to apply to.")],
) -> MatchPayload:
    actor = info.context.principal

    async def action(uow: UnitOfWork) -> MatchRow:
        return await workflow.apply_to_job(uow, actor, to_domain(input, id_types=IDS)["job_id"])

    return _payload(*await in_transaction(info, action))


async def invite_worker(
    info: Info,
    input: Annotated[
        InviteWorkerInput, strawberry.argument(description="The job and the worker to invite.")
    ],
) -> MatchPayload:
    actor = info.context.principal

    async def action(uow: UnitOfWork) -> MatchRow:
        ids = to_domain(input, id_types=IDS)
        return await workflow.invite_worker(uow, actor, ids["job_id"], ids["worker_id"])

    return _payload(*await in_transaction(info, action))


async def transition_match(
    info: Info,
    input: Annotated[
        TransitionMatchInput,
        strawberry.argument(description="The match, its next status and an optional note."),
    ],
) -> MatchPayload:
    actor = info.context.principal

    async def action(uow: UnitOfWork) -> MatchRow:
        data = to_domain(input, id_types=IDS)
        return await workflow.transition_match(
            uow, actor, data["match_id"], input.status, data.get("note", "")
        )

    return _payload(*await in_transaction(info, action))


async def matches(
    info: Info,
    filter: Annotated[
        MatchFilter | None,
        strawberry.argument(description="Narrow the list; all criteria must hold."),
    ] = None,
    first: First = None,
    after: After = None,
    last: Last = None,
    before: Before = None,
) -> Connection[Match]:
    """Your matches as a worker, your organisation's as an employer; newest first."""
    ctx = info.context
    page = await queries.browse_matches(
        ctx.services.database.session,
        ctx.principal,
        to_domain(filter, id_types=IDS, drop_none=True) if filter else {},
        page_request(first, after, last, before),
    )
    return Connection.from_page(page, Match.from_row)


async def recommended_workers(
    info: Info,
    job_id: Annotated[
        strawberry.ID, strawberry.argument(description="One of your organisation's jobs.")
    ],
    first: First = None,
    after: After = None,
    last: Last = None,
    before: Before = None,
) -> Connection[Match]:
    """Workers for one of your jobs, best fit first (open matches only)."""
    ctx = info.context
    job_pk = to_domain(_JobArg(job_id), id_types=IDS)["job_id"]
    page = await queries.recommended_workers(
        ctx.services.database.read_session,  # the engine's suggestions: a moment behind is fine
        ctx.principal,
        job_pk,
        page_request(first, after, last, before),
        columns=Match.columns_for(_shown(info)),
        connect=ctx.services.database.read_connection,
    )
    return Connection.from_page(page, Match.from_row)


async def recommended_jobs(
    info: Info,
    first: First = None,
    after: After = None,
    last: Last = None,
    before: Before = None,
) -> Connection[Match]:
    """Open jobs for you, the signed-in worker, best fit first."""
    ctx = info.context
    shown = _shown(info)
    job_shown = _shown(info, "job") if "job" in shown else None
    organization_shown = (
        _shown(info, "job", "organization") if job_shown and "organization" in job_shown else None
    )
    page = await queries.recommended_jobs(
        ctx.services.database.read_session,  # the engine's suggestions: a moment behind is fine
        ctx.principal,
        page_request(first, after, last, before),
        columns=Match.columns_for(shown),
        job_columns=None if job_shown is None else Job.columns_for(job_shown),
        organization_columns=(
            None if organization_shown is None else Organization.columns_for(organization_shown)
        ),
        connect=ctx.services.database.read_connection,
    )
    connection = Connection.from_page(page, Match.from_row)
    if page.joined:
        for edge, job in zip(connection.edges, page.joined, strict=True):
            edge.node.preload_job(job)
    return connection


def _shown(info: Info, *below: str) -> frozenset[str]:
    """The fields of `Match` the query shows on this page (or of its field `below`)."""
    return names_selected(info, ("edges", "node", *below))


@dataclass
class _JobArg:
    job_id: str


async def propose_staffing(
    info: Info,
    job_ids: Annotated[
        list[strawberry.ID],
        strawberry.argument(description="Open jobs of your organisation to staff together."),
    ],
) -> StaffingProposal:
    """Assign available workers to the openings of several of your shift jobs at once so
    the total fit is maximal and nobody is double-booked (a proposal to confirm)."""
    ctx = info.context
    ids = to_domain(_JobIds(list(job_ids)), id_types={"job_ids": "Job"})["job_ids"]
    async with ctx.services.database.session() as session:
        proposal = await service.propose_staffing_for(session, ctx.principal, ids)
    return StaffingProposal(
        assignments=[
            StaffingAssignment(job_pk=a.job_id, worker_pk=a.worker_id, score=a.score)
            for a in proposal.assignments
        ],
        total_score=proposal.total_score,
        unfilled_openings=sum(proposal.unfilled.values()),
    )


@dataclass
class _JobIds:
    job_ids: list[str]
