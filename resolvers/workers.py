"""Worker profile queries and mutations."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.profiles import queries, service
from resolvers.mutations import in_transaction
from resolvers.pagination import page_request
from schema.context import Info
from schema.inputs import to_domain
from schema.relay import After, Before, Connection, First, Last
from schema.workers import (
    CreateWorkerProfileInput,
    UpdateWorkerProfileInput,
    Worker,
    WorkerFilter,
    WorkerProfilePayload,
)


async def workers(
    info: Info,
    filter: Annotated[
        WorkerFilter | None,
        strawberry.argument(description="Narrow the list; all criteria must hold."),
    ] = None,
    first: First = None,
    after: After = None,
    last: Last = None,
    before: Before = None,
) -> Connection[Worker]:
    """Worker profiles visible to you (employers and admins), newest first."""
    ctx = info.context
    page = await queries.browse_workers(
        ctx.services.database.read_session,
        ctx.principal,
        to_domain(filter, drop_none=True) if filter else {},
        page_request(first, after, last, before),
    )
    return Connection.from_page(page, Worker.from_row)


async def create_worker_profile(
    info: Info,
    input: Annotated[CreateWorkerProfileInput, strawberry.argument(description="Your profile.")],
) -> WorkerProfilePayload:
    actor = info.context.principal
    row, errors = await in_transaction(
        info, lambda uow: service.create_profile(uow, actor, to_domain(input))
    )
    return WorkerProfilePayload(worker=Worker.from_row(row) if row else None, errors=errors)


async def update_worker_profile(
    info: Info,
    input: Annotated[
        UpdateWorkerProfileInput,
        strawberry.argument(description="The fields to change; omitted fields keep their values."),
    ],
) -> WorkerProfilePayload:
    actor = info.context.principal
    row, errors = await in_transaction(
        info, lambda uow: service.update_profile(uow, actor, to_domain(input))
    )
    return WorkerProfilePayload(worker=Worker.from_row(row) if row else None, errors=errors)
