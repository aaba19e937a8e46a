"""Organisation types."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry

from domain.auth.models import Organization as OrganizationRow
from schema.enums import OrganizationKind
from schema.ids import to_global_id
from schema.relay import Node


@strawberry.type(description="An employer or a credential issuer.")
class Organization(Node):
    pk: strawberry.Private[uuid.UUID]
    name: str
    kind: OrganizationKind
    created_at: datetime

    @classmethod
    def from_row(cls, row: OrganizationRow) -> Organization:
        return cls(
            id=strawberry.ID(to_global_id("Organization", row.id)),
            pk=row.id,
            name=row.name,
            kind=OrganizationKind(row.kind),
            created_at=row.created_at,  # type: ignore[arg-type]
        )
