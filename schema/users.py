"""The signed-in user and authentication payloads."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry

from domain.auth.models import User as UserRow
from schema.context import Info
from schema.enums import Role
from schema.errors import UserError
from schema.ids import to_global_id
from schema.organizations import Organization
from schema.relay import Node
from schema.workers import Worker


@strawberry.type(description="A user account; visible to the user themself and to admins.")
class User(Node):
    pk: strawberry.Private[uuid.UUID]
    email: str
    display_name: str
    roles: list[Role]
    locale: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: UserRow) -> User:
        return cls(
            id=strawberry.ID(to_global_id("User", row.id)),
            pk=row.id,
            email=row.email,
            display_name=row.display_name,
            roles=[Role(role) for role in row.roles],
            locale=row.locale,
            created_at=row.created_at,  # type: ignore[arg-type]
        )

    @strawberry.field(description="Organisations the user acts for.")
    async def organizations(self, info: Info) -> list[Organization]:
        rows = await info.context.loaders.organizations_of_user.load(self.pk)
        return [Organization.from_row(row) for row in rows]

    @strawberry.field(description="The user's worker profile, if they have one.")
    async def worker_profile(self, info: Info) -> Worker | None:
        row = await info.context.loaders.profile_of_user.load(self.pk)
        return Worker.from_row(row) if row else None


@strawberry.input(description="A new account.")
class RegisterInput:
    email: str
    password: str = strawberry.field(description="10 to 128 characters.")
    display_name: str
    role: Role = strawberry.field(description="WORKER, EMPLOYER or ISSUER.")
    organization_name: str | None = strawberry.field(
        default=None, description="Required for EMPLOYER and ISSUER: the organisation to create."
    )
    locale: str = "ja"


@strawberry.input(description="Credentials to sign in with.")
class LoginInput:
    email: str
    password: str


@strawberry.type(description="A signed-in session, or the errors that stopped it.")
class AuthPayload:
    user: User | None
    access_token: str | None = strawberry.field(description="Send as `Authorization: Bearer …`.")
    expires_at: datetime | None
    errors: list[UserError]
