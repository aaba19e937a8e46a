"""Registering, signing in, and who the caller is."""

from __future__ import annotations

from domain.auth import service
from domain.auth.models import User as UserRow
from domain.errors import ValidationFailed
from resolvers.mutations import in_transaction
from schema.context import Info
from schema.errors import UserError
from schema.inputs import to_domain
from schema.users import AuthPayload, LoginInput, RegisterInput, User


def _signed_in(info: Info, user: UserRow) -> AuthPayload:
    issued = info.context.services.tokens.issue(user.id, list(user.roles))
    return AuthPayload(
        user=User.from_row(user), access_token=issued.token, expires_at=issued.expires_at, errors=[]
    )


async def register(info: Info, input: RegisterInput) -> AuthPayload:
    user, errors = await in_transaction(info, lambda uow: service.register(uow, to_domain(input)))
    if user is None:
        return AuthPayload(user=None, access_token=None, expires_at=None, errors=errors)
    return _signed_in(info, user)


async def login(info: Info, input: LoginInput) -> AuthPayload:
    try:
        async with info.context.services.database.session() as session:
            user = await service.authenticate(session, input.email, input.password)
    except ValidationFailed as failure:
        return AuthPayload(
            user=None,
            access_token=None,
            expires_at=None,
            errors=UserError.from_domain(failure.errors),
        )
    return _signed_in(info, user)


async def me(info: Info) -> User | None:
    """The signed-in user, or null for anonymous callers."""
    principal = info.context.principal
    if principal.credential_problem:
        principal.require_user()  # a bad token is an error, not anonymity
    if principal.user_id is None:
        return None
    user_id = principal.user_id
    row = await info.context.loaders.user.load(user_id)
    return User.from_row(row) if row else None
