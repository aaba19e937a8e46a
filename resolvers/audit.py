"""The audit log query (admins)."""

from __future__ import annotations

from domain.audit.log import browse_audit_log
from resolvers.pagination import page_request
from schema.audit import AuditEvent, AuditFilter
from schema.context import Info
from schema.inputs import to_domain
from schema.relay import Connection

USER_IDS = {"actor_id": "User", "subject_id": "User"}


async def audit_events(
    info: Info,
    filter: AuditFilter | None = None,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
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
