"""Accounts and sessions: sign up, sign in, refresh, sign out, passwords, roles."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.auth import service
from domain.errors import FieldError
from resolvers.mutations import in_transaction
from schema.context import Info
from schema.errors import UserError
from schema.inputs import to_domain
from schema.users import (
    AuthPayload,
    ChangePasswordInput,
    LoginInput,
    LogoutPayload,
    RefreshTokenInput,
    RegisterInput,
    SetUserRolesInput,
    User,
    UserPayload,
)


def _signed_in(info: Info, sign_in: service.SignIn) -> AuthPayload:
    user = sign_in.user
    access = info.context.services.tokens.issue(
        user.id, list(user.roles), session_epoch=user.session_epoch
    )
    return AuthPayload(
        user=User.from_row(user),
        access_token=access.token,
        expires_at=access.expires_at,
        refresh_token=sign_in.refresh.token,
        refresh_token_expires_at=sign_in.refresh.expires_at,
        errors=[],
    )


def _outcome(
    info: Info, outcome: service.SignIn | FieldError | None, errors: list[UserError]
) -> AuthPayload:
    if isinstance(outcome, FieldError):
        return AuthPayload.failed(UserError.from_domain([outcome]))
    if outcome is None:
        return AuthPayload.failed(errors)
    return _signed_in(info, outcome)


async def register(
    info: Info,
    input: Annotated[
        RegisterInput,
        strawberry.argument(
            description="The new account, and for employers and issuers their organisation."
        ),
    ],
) -> AuthPayload:
    ip = info.context.client_ip
    sign_in, errors = await in_transaction(
        info, lambda uow: service.register(uow, to_domain(input), ip)
    )
    return _outcome(info, sign_in, errors)


async def login(
    info: Info,
    input: Annotated[LoginInput, strawberry.argument(description="Your email and password.")],
) -> AuthPayload:
    ctx = info.context
    async with ctx.transaction() as uow:  # failures are recorded too, so this always commits
        outcome = await service.login(
            uow, ctx.services.login_throttle, input.email, input.password, ctx.client_ip
        )
    return _outcome(info, outcome, [])


async def refresh_session(
    info: Info,
    input: Annotated[
        RefreshTokenInput,
        strawberry.argument(description="The refresh token to trade in (it is used up)."),
    ],
) -> AuthPayload:
    async with info.context.transaction() as uow:  # reuse detection must commit its revocation
        outcome = await service.refresh_session(uow, input.refresh_token, info.context.client_ip)
    return _outcome(info, outcome, [])


async def logout(
    info: Info,
    input: Annotated[
        RefreshTokenInput,
        strawberry.argument(description="The refresh token of the session to end."),
    ],
) -> LogoutPayload:
    ip = info.context.client_ip
    _, errors = await in_transaction(info, lambda uow: service.logout(uow, input.refresh_token, ip))
    return LogoutPayload(ok=not errors, errors=errors)


async def logout_everywhere(info: Info) -> LogoutPayload:
    ctx = info.context
    _, errors = await in_transaction(
        info, lambda uow: service.logout_everywhere(uow, ctx.principal, ctx.client_ip)
    )
    return LogoutPayload(ok=not errors, errors=errors)


async def change_password(
    info: Info,
    input: Annotated[
        ChangePasswordInput,
        strawberry.argument(description="Your current password and the new one."),
    ],
) -> AuthPayload:
    ctx = info.context
    sign_in, errors = await in_transaction(
        info,
        lambda uow: service.change_password(uow, ctx.principal, to_domain(input), ctx.client_ip),
    )
    return _outcome(info, sign_in, errors)


async def set_user_roles(
    info: Info,
    input: Annotated[
        SetUserRolesInput,
        strawberry.argument(description="The user and the complete new set of roles."),
    ],
) -> UserPayload:
    ctx = info.context
    user, errors = await in_transaction(
        info,
        lambda uow: service.set_user_roles(
            uow, ctx.principal, to_domain(input, id_types={"user_id": "User"}), ctx.client_ip
        ),
    )
    return UserPayload(user=User.from_row(user) if user else None, errors=errors)


async def me(info: Info) -> User | None:
    """The signed-in user, or null for anonymous callers."""
    principal = info.context.principal
    if principal.credential_problem:
        principal.require_user()  # a bad token is an error, not anonymity
    if principal.user_id is None:
        return None
    row = await info.context.loaders.user.load(principal.user_id)
    return User.from_row(row) if row else None
