"""The Expo push tokens of a user's devices (the React Native app registers them)."""

from __future__ import annotations

import re
import uuid
from enum import StrEnum
from typing import Any

from pydantic import Field, field_validator
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from domain.auth.principal import Principal
from domain.clock import utcnow
from domain.errors import validated
from domain.notifications.access import notification_owner
from domain.notifications.models import PushToken
from domain.unit_of_work import UnitOfWork
from domain.values import Model

# `ExponentPushToken[xxxxxxxxxxxxxxxxxxxxxx]` (and the newer `ExpoPushToken[…]`)
EXPO_PUSH_TOKEN = re.compile(r"^Expo(nent)?PushToken\[[A-Za-z0-9_-]{8,128}\]$")
MAX_DEVICES_PER_USER = 10  # registering an eleventh forgets the oldest


class PushPlatform(StrEnum):
    IOS = "IOS"
    ANDROID = "ANDROID"


class PushTokenRegistration(Model):
    token: str = Field(max_length=200)
    platform: PushPlatform | None = None
    device_name: str | None = Field(default=None, min_length=1, max_length=100)

    @field_validator("token")
    @classmethod
    def _expo_token(cls, token: str) -> str:
        if not EXPO_PUSH_TOKEN.match(token):
            raise ValueError("Expected an Expo push token: ExponentPushToken[…].")
        return token


class PushTokenRemoval(Model):
    token: str = Field(max_length=200)


async def register_push_token(uow: UnitOfWork, actor: Principal, data: dict[str, Any]) -> PushToken:
    """Register (or refresh) a device's token for the caller. A token names a device, so
    one registered by someone else before moves to the caller (the app signed in anew)."""
    user_id = notification_owner(actor)
    registration = validated(PushTokenRegistration, data)
    values = {
        "user_id": user_id,
        "platform": registration.platform.value if registration.platform else None,
        "device_name": registration.device_name,
        "created_at": utcnow(),
    }
    table = PushToken.__table__  # type: ignore[attr-defined]
    statement = insert(table).values(id=uuid.uuid4(), token=registration.token, **values)
    row = (
        await uow.session.execute(
            statement.on_conflict_do_update(index_elements=["token"], set_=values).returning(
                *table.c
            )
        )
    ).one()
    keep = (
        select(col(PushToken.id))
        .where(col(PushToken.user_id) == user_id)
        .order_by(col(PushToken.created_at).desc(), col(PushToken.id).desc())
        .limit(MAX_DEVICES_PER_USER)
    )
    await uow.session.execute(
        delete(PushToken).where(col(PushToken.user_id) == user_id, col(PushToken.id).not_in(keep))
    )
    return PushToken(**row._mapping)


async def unregister_push_token(uow: UnitOfWork, actor: Principal, data: dict[str, Any]) -> None:
    """Forget one of the caller's tokens (on sign-out). Idempotent, and a token of someone
    else's is left alone without saying so."""
    user_id = notification_owner(actor)
    removal = validated(PushTokenRemoval, data)
    await uow.session.execute(
        delete(PushToken).where(
            col(PushToken.user_id) == user_id, col(PushToken.token) == removal.token
        )
    )


async def push_tokens_of(session: AsyncSession, user_id: uuid.UUID) -> list[str]:
    rows = await session.execute(
        select(col(PushToken.token))
        .where(col(PushToken.user_id) == user_id)
        .order_by(col(PushToken.created_at))
    )
    return list(rows.scalars())


async def forget_push_tokens(session: AsyncSession, tokens: list[str]) -> None:
    """Tokens the push service says no device answers to any more (DeviceNotRegistered)."""
    if tokens:
        await session.execute(delete(PushToken).where(col(PushToken.token).in_(tokens)))
