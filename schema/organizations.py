"""Organisation types."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from domain.auth.models import Organization as OrganizationRow
from domain.credentials.keys import issuer_keys_of
from domain.credentials.queries import browse_issued_credentials
from domain.pagination import PageRequest
from schema.context import Info
from schema.enums import OrganizationKind, as_organization_kind
from schema.ids import node_id
from schema.relay import After, Before, Connection, First, Last, Node
from schema.row_backed import ColumnValues
from schema.shown import ShownPerRow

if TYPE_CHECKING:
    from schema.credentials import Credential, IssuerKey

# schema.credentials refers to Organization too: resolve these lazily.
LazyCredential = Annotated["Credential", strawberry.lazy("schema.credentials")]
LazyIssuerKey = Annotated["IssuerKey", strawberry.lazy("schema.credentials")]


@strawberry.type(description="An employer or a credential issuer.")
class Organization(Node):
    pk: strawberry.Private[uuid.UUID]
    name: str = strawberry.field(description="The organisation's name.")
    kind: OrganizationKind = strawberry.field(description="Employer or issuer.")
    trusted: bool = strawberry.field(
        description="For issuers: an administrator vouches for it, so its credentials verify."
    )
    created_at: datetime = strawberry.field(description="When it was created on the platform.")

    @staticmethod
    def from_row(row: OrganizationRow) -> Organization:
        """The same object for the same row object (`schema/shown.py`): a cached row is
        shared by every request showing it."""
        return _SHOWN.of(row, _made_from)

    @strawberry.field(description="An issuer's signing keys, newest first (its members only).")
    async def issuer_keys(self, info: Info) -> list[LazyIssuerKey]:
        async with info.context.services.database.session() as session:
            rows = await issuer_keys_of(session, info.context.principal, self.pk)
        from schema.credentials import IssuerKey

        return [IssuerKey.from_row(row) for row in rows]

    @strawberry.field(description="Credentials this issuer issued, newest first (its members).")
    async def issued_credentials(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[LazyCredential]:
        page = await browse_issued_credentials(
            info.context.services.database.session,
            info.context.principal,
            self.pk,
            PageRequest(first=first, after=after, last=last, before=before),
        )
        from schema.credentials import Credential

        return Connection.from_page(page, Credential.from_row)


_SHOWN: ShownPerRow[Organization] = ShownPerRow(Organization, 4096)


def _made_from(row: OrganizationRow) -> Organization:
    columns = ColumnValues(row)  # (a shown page converts ~80 organisations)
    pk = columns.id
    return Organization(
        id=node_id("Organization", pk),
        pk=pk,
        name=columns.name,
        kind=as_organization_kind(columns.kind),
        trusted=columns.trusted_at is not None,
        created_at=columns.created_at,
    )
