"""The audit log query (admins)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.audit.log import browse_audit_log
from resolvers.pagination import page_request
from schema.audit import AuditEvent, AuditFilter
from schema.context import Info
from schema.inputs import to_domain
from schema.relay import After, Before, Connection, First, Last

USER_IDS = {"actor_id": "User", "subject_id": "User"}


async def audit_events(
    info: Info,
    filter: Annotated[
        AuditFilter | None,
        strawberry.argument(description="Narrow the log; all criteria must hold."),
    ] = None,
    first: First = None,
    after: After = None,
    last: Last = None,
    before: Before = None,
) -> Connection[AuditEvent]:
    """Security-relevant events, newest first (admins only)."""
    ctx = info.context
    page = await browse_audit_log(
        ctx.services.database.session,
        ctx.principal,
        to_domain(filter, id_types=USER_IDS, drop_none=True) if filter else {},
        page_request(first, after, last, before),
    )
    return Connection.from_page(page, AuditEvent.from_row)
