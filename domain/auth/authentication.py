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

from sqlmodel import select

from domain.auth.models import OAuthClient, User
from domain.auth.principal import ANONYMOUS, Principal, Role
from domain.auth.tokens import AccessTokens, InvalidToken


async def principal_for_bearer(
    session_factory: Callable[[], Any], tokens: AccessTokens, authorization: str | None
) -> Principal:
    """A valid bearer token gives its user; a bad one gives an anonymous caller that
    remembers why, so fields that need a user can say "expired" rather than "sign in"."""
    if not authorization:
        return ANONYMOUS
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return Principal(credential_problem="Use `Authorization: Bearer <access token>`.")
    try:
        verified = tokens.verify(token.strip())
        async with session_factory() as session:
            if verified.client_id is not None:
                principal = await _partner(session, verified.client_id, verified.scopes)
            else:
                principal = await _user(session, verified.subject, verified.session_epoch)
        return replace(principal, expires_at=verified.expires_at)
    except InvalidToken as problem:
        return Principal(credential_problem=str(problem))


async def _user(session: Any, subject: str, epoch: int) -> Principal:
    try:
        user_id = uuid.UUID(subject)
    except ValueError:
        raise InvalidToken("The access token is malformed.") from None
    row = (
        await session.execute(select(User.roles, User.session_epoch).where(User.id == user_id))
    ).first()
    if row is None:
        raise InvalidToken("The account of this access token no longer exists.")
    roles, current_epoch = row
    if epoch != current_epoch:
        raise InvalidToken("This session has been signed out; sign in again.")
    return Principal(user_id=user_id, roles=frozenset(Role(role) for role in roles))


async def _partner(session: Any, client_id: str, scopes: tuple[str, ...]) -> Principal:
    client = (
        await session.execute(select(OAuthClient).where(OAuthClient.client_id == client_id))
    ).scalar()
    if client is None or client.revoked_at is not None:
        raise InvalidToken("This partner client has been revoked.")
    granted = frozenset(scopes) & frozenset(client.scopes)
    return Principal(
        user_id=client.owner_id,
        roles=frozenset({Role.PARTNER}),
        scopes=granted,
        client_id=client_id,
    )
