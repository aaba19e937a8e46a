"""The signed-in user and authentication payloads."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry

from domain.auth.models import User as UserRow
from schema.context import Info
from schema.enums import Role
from schema.errors import UserError
from schema.ids import node_id
from schema.organizations import Organization
from schema.relay import Node
from schema.workers import Worker


@strawberry.type(description="A user account; visible to the user themself and to admins.")
class User(Node):
    pk: strawberry.Private[uuid.UUID]
    email: str = strawberry.field(description="The sign-in email, lower-cased.")
    display_name: str = strawberry.field(description="The name shown to others.")
    roles: list[Role] = strawberry.field(description="What the user may do.")
    locale: str = strawberry.field(
        description="`ja` or `en`: the language of notifications and e-mails.",
    )
    created_at: datetime = strawberry.field(description="When the account was created.")

    @classmethod
    def from_row(cls, row: UserRow) -> User:
        return cls(
            id=node_id("User", row.id),
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
    email: str = strawberry.field(description="The sign-in email; one account per address.")
    password: str = strawberry.field(description="10 to 128 characters.")
    display_name: str = strawberry.field(description="The name shown to others.")
    role: Role = strawberry.field(description="WORKER, EMPLOYER or ISSUER.")
    organization_name: str | None = strawberry.field(
        default=None, description="Required for EMPLOYER and ISSUER: the organisation to create."
    )
    locale: str = strawberry.field(default="ja", description="`ja` (default) or `en`.")


@strawberry.input(description="Credentials to sign in with.")
class LoginInput:
    email: str = strawberry.field(description="The sign-in email.")
    password: str = strawberry.field(description="The password.")


@strawberry.type(description="A signed-in session, or the errors that stopped it.")
class AuthPayload:
    user: User | None = strawberry.field(description="The signed-in user; null when it failed.")
    access_token: str | None = strawberry.field(
        description="Short-lived; send as `Authorization: Bearer …`."
    )
    expires_at: datetime | None = strawberry.field(description="When the access token expires.")
    refresh_token: str | None = strawberry.field(
        description="Opaque, single use: trade it with `refreshSession` for a new pair. "
        "Using one twice ends the whole session."
    )
    refresh_token_expires_at: datetime | None = strawberry.field(
        description="When the refresh token expires (30 days).",
    )
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")

    @classmethod
    def failed(cls, errors: list[UserError]) -> AuthPayload:
        return cls(
            user=None,
            access_token=None,
            expires_at=None,
            refresh_token=None,
            refresh_token_expires_at=None,
            errors=errors,
        )


@strawberry.input(description="A refresh token from `login`, `register` or `refreshSession`.")
class RefreshTokenInput:
    refresh_token: str = strawberry.field(description="The refresh token.")


@strawberry.input(description="Your current password and the new one (10 to 128 characters).")
class ChangePasswordInput:
    current_password: str = strawberry.field(description="The password you signed in with.")
    new_password: str = strawberry.field(description="The new password, 10 to 128 characters.")


@strawberry.input(description="The complete set of roles the user should have.")
class SetUserRolesInput:
    user_id: strawberry.ID = strawberry.field(description="The user whose roles change.")
    roles: list[Role] = strawberry.field(description="Every role the user should have from now on.")


@strawberry.type(description="Whether the sessions ended, or the errors that stopped it.")
class LogoutPayload:
    ok: bool = strawberry.field(description="True when the session(s) ended.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="The user after the mutation, or the errors that stopped it.")
class UserPayload:
    user: User | None = strawberry.field(description="The user as changed; null when it failed.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")
