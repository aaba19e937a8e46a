"""Organisation types."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from operator import attrgetter
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

import strawberry

from domain.auth.models import Organization as OrganizationRow
from domain.credentials.keys import issuer_keys_of
from domain.credentials.queries import browse_issued_credentials
from domain.pagination import PageRequest
from domain.sql import Columns
from schema.context import Info
from schema.enums import OrganizationKind, as_organization_kind
from schema.ids import node_id
from schema.relay import After, Before, Connection, First, Last, Node
from schema.row_backed import RowBacked, column_values
from schema.shown import ShownPerRow

if TYPE_CHECKING:
    from schema.credentials import Credential, IssuerKey

# schema.credentials refers to Organization too: resolve these lazily.
LazyCredential = Annotated["Credential", strawberry.lazy("schema.credentials")]
LazyIssuerKey = Annotated["IssuerKey", strawberry.lazy("schema.credentials")]


@strawberry.type(description="An employer or a credential issuer.")
class Organization(RowBacked, Node):
    pk: strawberry.Private[uuid.UUID]
    name: str = strawberry.field(description="The organisation's name.")
    kind: OrganizationKind = strawberry.field(description="Employer or issuer.")
    trusted: bool = strawberry.field(
        description="For issuers: an administrator vouches for it, so its credentials verify."
    )
    created_at: datetime = strawberry.field(description="When it was created on the platform.")

    @staticmethod
    def from_row(row: OrganizationRow | Columns) -> Organization:
        """The same object for the same row object (`schema/shown.py`): a cached row is
        shared by every request showing it. A row read for one request only (`Columns`,
        joined to a page) shares nothing: its object is made, not remembered."""
        if row.__class__ is Columns:
            return _made_from(row)
        return _SHOWN.of(row, _made_from)

    converters: ClassVar[Mapping[str, Callable[[OrganizationRow], Any]]] = {
        "name": attrgetter("name"),
        "kind": lambda row: as_organization_kind(row.kind),
        "trusted": lambda row: row.trusted_at is not None,
        "created_at": attrgetter("created_at"),
    }
    columns_of_field: ClassVar[Mapping[str, tuple[str, ...]]] = {"trusted": ("trusted_at",)}

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


def _made_from(row: OrganizationRow | Columns) -> Organization:
    columns = column_values(row)
    pk = columns.id
    return Organization.lazily(columns, {"id": node_id("Organization", pk), "pk": pk})
