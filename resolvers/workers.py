"""Worker profile queries and mutations."""

from __future__ import annotations

from domain.profiles import queries, service
from resolvers.mutations import in_transaction
from resolvers.pagination import page_request
from schema.context import Info
from schema.inputs import to_domain
from schema.relay import Connection
from schema.workers import (
    CreateWorkerProfileInput,
    UpdateWorkerProfileInput,
    Worker,
    WorkerFilter,
    WorkerProfilePayload,
)


async def workers(
    info: Info,
    filter: WorkerFilter | None = None,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> Connection[Worker]:
    """Worker profiles visible to you (employers and admins), newest first."""
    ctx = info.context
    page = await queries.browse_workers(
        ctx.services.database.session,
        ctx.principal,
        to_domain(filter, drop_none=True) if filter else {},
        page_request(first, after, last, before),
    )
    return Connection.from_page(page, Worker.from_row)


async def create_worker_profile(
    info: Info, input: CreateWorkerProfileInput
) -> WorkerProfilePayload:
    actor = info.context.principal
    row, errors = await in_transaction(
        info, lambda uow: service.create_profile(uow, actor, to_domain(input))
    )
    return WorkerProfilePayload(worker=Worker.from_row(row) if row else None, errors=errors)


async def update_worker_profile(
    info: Info, input: UpdateWorkerProfileInput
) -> WorkerProfilePayload:
    actor = info.context.principal
    row, errors = await in_transaction(
        info, lambda uow: service.update_profile(uow, actor, to_domain(input))
    )
    return WorkerProfilePayload(worker=Worker.from_row(row) if row else None, errors=errors)
