"""The audit log, as admins read it."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from domain.audit.log import AuditKind
from domain.audit.models import AuditEvent as AuditEventRow
from schema.ids import to_global_id

strawberry.enum(AuditKind, description="What happened.")


def _user_id(pk: uuid.UUID | None) -> strawberry.ID | None:
    return strawberry.ID(to_global_id("User", pk)) if pk else None


@strawberry.type(description="One security-relevant event; the log is append-only.")
class AuditEvent:
    id: strawberry.ID
    kind: AuditKind
    occurred_at: datetime
    actor_id: strawberry.ID | None = strawberry.field(description="The user who acted, if known.")
    subject_id: strawberry.ID | None = strawberry.field(description="The user acted upon.")
    ip: str | None
    details: JSON

    @classmethod
    def from_row(cls, row: AuditEventRow) -> AuditEvent:
        return cls(
            id=strawberry.ID(to_global_id("AuditEvent", row.id)),
            kind=AuditKind(row.kind),
            occurred_at=row.occurred_at,  # type: ignore[arg-type]
            actor_id=_user_id(row.actor_id),
            subject_id=_user_id(row.subject_id),
            ip=row.ip,
            details=row.details,  # type: ignore[arg-type]
        )


@strawberry.input(description="Narrow the audit log.")
class AuditFilter:
    kinds: list[AuditKind] | None = None
    actor_id: strawberry.ID | None = None
    subject_id: strawberry.ID | None = None
