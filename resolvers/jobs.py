"""Job queries and mutations: authorise via domain/, call one function, map the result."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import strawberry

from domain.jobs import queries, service
from domain.jobs.models import Job as JobRow
from domain.jobs.status import JobStatus as DomainJobStatus
from domain.unit_of_work import UnitOfWork
from resolvers.mutations import in_transaction
from resolvers.pagination import page_request
from schema.context import Info
from schema.inputs import to_domain
from schema.jobs import CreateJobInput, Job, JobFilter, JobIdInput, JobPayload, UpdateJobInput
from schema.relay import After, Before, Connection, First, Last
from schema.selections import names_selected


async def jobs(
    info: Info,
    filter: Annotated[
        JobFilter | None,
        strawberry.argument(description="Narrow the list; all criteria must hold."),
    ] = None,
    first: First = None,
    after: After = None,
    last: Last = None,
    before: Before = None,
) -> Connection[Job]:
    """Open jobs (or your organisation's jobs in any status), newest first."""
    ctx = info.context
    shown = names_selected(info, ("edges", "node"))
    page = await queries.browse_jobs(
        ctx.services.database.read_session,
        ctx.principal,
        to_domain(filter, drop_none=True) if filter else {},
        page_request(first, after, last, before),
        columns=Job.columns_for(shown),
        connect=ctx.services.database.read_connection,
    )
    return Connection.from_page(page, Job.from_row)


async def create_job(
    info: Info,
    input: Annotated[
        CreateJobInput, strawberry.argument(description="The job to create; it starts as a DRAFT.")
    ],
) -> JobPayload:
    actor = info.context.principal
    row, errors = await in_transaction(
        info, lambda uow: service.create_job(uow, actor, to_domain(input))
    )
    return JobPayload(job=Job.from_row(row) if row else None, errors=errors)


async def update_job(
    info: Info,
    input: Annotated[
        UpdateJobInput,
        strawberry.argument(
            description="The job and the fields to change; omitted fields keep their values."
        ),
    ],
) -> JobPayload:
    actor = info.context.principal

    async def action(uow: UnitOfWork) -> JobRow:
        changes = to_domain(input, id_types={"id": "Job"})
        return await service.update_job(uow, actor, changes.pop("id"), changes)

    row, errors = await in_transaction(info, action)
    return JobPayload(job=Job.from_row(row) if row else None, errors=errors)


def _transition(
    target: DomainJobStatus, description: str
) -> Callable[[Info, JobIdInput], Awaitable[JobPayload]]:
    async def resolve(
        info: Info,
        input: Annotated[
            JobIdInput, strawberry.argument(description="The job to move to its new status.")
        ],
    ) -> JobPayload:
        actor = info.context.principal

        async def action(uow: UnitOfWork) -> JobRow:
            job_id = to_domain(input, id_types={"id": "Job"})["id"]
            return await service.transition_job(uow, actor, job_id, target)

        row, errors = await in_transaction(info, action)
        return JobPayload(job=Job.from_row(row) if row else None, errors=errors)

    resolve.__doc__ = description
    return resolve


publish_job = _transition(DomainJobStatus.OPEN, "Open a draft or paused job to applicants.")
pause_job = _transition(DomainJobStatus.PAUSED, "Stop taking applicants for a while.")
close_job = _transition(DomainJobStatus.CLOSED, "Close a job for good without hiring.")
mark_job_filled = _transition(DomainJobStatus.FILLED, "Close a job because it has been filled.")
