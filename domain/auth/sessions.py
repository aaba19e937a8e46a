"""Sessions: opaque refresh tokens, rotated on every use, revoked as a family on reuse."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from domain.auth.models import RefreshToken, User
from domain.clock import utcnow

REFRESH_TOKEN_TTL = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class IssuedRefreshToken:
    token: str
    expires_at: datetime
    family_id: uuid.UUID


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_refresh_token(
    session: AsyncSession, user_id: uuid.UUID, family_id: uuid.UUID | None = None
) -> IssuedRefreshToken:
    """A new token (in a new family at login, in the same family on rotation)."""
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + REFRESH_TOKEN_TTL
    family = family_id or uuid.uuid4()
    session.add(
        RefreshToken(
            family_id=family, user_id=user_id, token_hash=_hash(token), expires_at=expires_at
        )
    )
    return IssuedRefreshToken(token, expires_at, family)


@dataclass(frozen=True, slots=True)
class Rotation:
    """The outcome of presenting a refresh token: a new one, or why not."""

    user: User | None = None
    refresh: IssuedRefreshToken | None = None
    reused: bool = False
    problem: str | None = None


async def rotate_refresh_token(session: AsyncSession, presented: str) -> Rotation:
    """Trade a refresh token for a new one. A token used twice means it was stolen:
    the whole family is revoked, so neither the thief nor the victim can go on."""
    now = utcnow()
    row = (
        await session.execute(
            select(RefreshToken)
            .where(RefreshToken.token_hash == _hash(presented))
            .with_for_update()
        )
    ).scalar()
    if row is None or row.revoked_at is not None:
        return Rotation(problem="This refresh token is not valid.")
    if row.used_at is not None:
        await revoke_family(session, row.family_id, "reuse")
        return Rotation(reused=True, problem="This refresh token is not valid.")
    if row.expires_at <= now:
        return Rotation(problem="This refresh token has expired; sign in again.")
    user = await session.get(User, row.user_id)
    if user is None:
        return Rotation(problem="This refresh token is not valid.")
    row.used_at = now
    return Rotation(user=user, refresh=issue_refresh_token(session, user.id, row.family_id))


async def revoke_family(session: AsyncSession, family_id: uuid.UUID, reason: str) -> None:
    await session.execute(
        update(RefreshToken)
        .where(col(RefreshToken.family_id) == family_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )


async def family_of(session: AsyncSession, presented: str) -> RefreshToken | None:
    statement = select(RefreshToken).where(RefreshToken.token_hash == _hash(presented))
    return (await session.execute(statement)).scalar()


async def revoke_all_sessions(session: AsyncSession, user: User, reason: str) -> None:
    """Every refresh token of the user, and every access token issued until now."""
    await session.execute(
        update(RefreshToken)
        .where(col(RefreshToken.user_id) == user.id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )
    user.session_epoch += 1
