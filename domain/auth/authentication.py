"""From a bearer token to a Principal, checked against the database on every request.

Roles and revocation come from the database, not the token: a role change, a
password change or "log out everywhere" takes effect at once, not when the
token expires.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import select

from domain.auth.models import OAuthClient, User
from domain.auth.principal import ANONYMOUS, Principal, Role
from domain.auth.tokens import AccessTokens, InvalidToken
from domain.sql import CompiledRead


async def principal_for_bearer(
    connect: Callable[[], Any], tokens: AccessTokens, authorization: str | None
) -> Principal:
    """A valid bearer token gives its user; a bad one gives an anonymous caller that
    remembers why, so fields that need a user can say "expired" rather than "sign in".

    `connect` opens a connection (or session) on the primary: a sign-out must take
    effect at once, so this never reads a replica."""
    if not authorization:
        return ANONYMOUS
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return Principal(credential_problem="Use `Authorization: Bearer <access token>`.")
    try:
        verified = tokens.verify(token.strip())
        async with connect() as connection:
            if verified.client_id is not None:
                principal = await _partner(connection, verified.client_id, verified.scopes)
            else:
                principal = await _user(connection, verified.subject, verified.session_epoch)
        return replace(principal, expires_at=verified.expires_at)
    except InvalidToken as problem:
        return Principal(credential_problem=str(problem))


# Read on every authenticated request: compiled once.
_USER_STANDING = CompiledRead(
    select(User.roles, User.session_epoch).where(User.id == bindparam("user_id"))  # type: ignore[arg-type]
)
_CLIENT_STANDING = CompiledRead(
    select(OAuthClient.owner_id, OAuthClient.scopes, OAuthClient.revoked_at).where(
        OAuthClient.client_id == bindparam("client_id")  # type: ignore[arg-type]
    )
)


async def _user(connection: Any, subject: str, epoch: int) -> Principal:
    try:
        user_id = uuid.UUID(subject)
    except ValueError:
        raise InvalidToken("The access token is malformed.") from None
    rows = await _USER_STANDING.fetch(connection, user_id=user_id)
    if not rows:
        raise InvalidToken("The account of this access token no longer exists.")
    roles, current_epoch = rows[0]
    if epoch != current_epoch:
        raise InvalidToken("This session has been signed out; sign in again.")
    return Principal(user_id=user_id, roles=frozenset(Role(role) for role in roles))


async def _partner(connection: Any, client_id: str, scopes: tuple[str, ...]) -> Principal:
    rows = await _CLIENT_STANDING.fetch(connection, client_id=client_id)
    if not rows:
        raise InvalidToken("This partner client has been revoked.")
    owner_id, client_scopes, revoked_at = rows[0]
    if revoked_at is not None:
        raise InvalidToken("This partner client has been revoked.")
    granted = frozenset(scopes) & frozenset(client_scopes)
    return Principal(
        user_id=owner_id,
        roles=frozenset({Role.PARTNER}),
        scopes=granted,
        client_id=client_id,
    )
