"""Notifications, what each user wants of them, their devices, and every delivery."""

from __future__ import annotations

import uuid
from datetime import datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlmodel import Field, SQLModel

from domain.columns import created_at, jsonb, timestamp, uuid_pk

DEFAULT_TIME_ZONE = "Asia/Tokyo"


def _user_fk(*, primary_key: bool = False, index: bool = False) -> Any:
    return Field(
        sa_column=Column(
            UUID(as_uuid=True),
            ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
            primary_key=primary_key,
            index=index,
        )
    )


class DeliveryStatus(StrEnum):
    PENDING = "PENDING"  # waiting for its first attempt (or for quiet hours to end)
    RETRYING = "RETRYING"  # an attempt failed; another is scheduled
    SENT = "SENT"
    FAILED = "FAILED"  # gave up: permanent error, or out of attempts
    SKIPPED = "SKIPPED"  # nothing to do: channel off, turned off by the user, no device


FINAL_STATUSES = frozenset({DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.SKIPPED})


class Notification(SQLModel, table=True):
    """One thing a user was told. `source_event_id` is the domain event that caused it:
    a retried handler inserts nothing new (one notification per event and user)."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("source_event_id", "user_id", name="uq_notifications_event_user"),
        Index("ix_notifications_user_newest", "user_id", text("created_at DESC"), text("id DESC")),
        # unreadCount and "unread only" read just this small index
        Index(
            "ix_notifications_user_unread",
            "user_id",
            text("created_at DESC"),
            postgresql_where=text("read_at IS NULL"),
        ),
    )

    id: uuid.UUID = uuid_pk()
    user_id: uuid.UUID = _user_fk()
    kind: str = Field(sa_column=Column(String(40), nullable=False))
    payload: dict[str, Any] = jsonb({})
    source_event_id: str = Field(sa_column=Column(String(64), nullable=False))
    read_at: datetime | None = timestamp()
    created_at: datetime | None = created_at()


class NotificationPreference(SQLModel, table=True):
    """A user's choices; absent row or absent entry = the kind's defaults (kinds.py)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (
        CheckConstraint(
            "(quiet_hours_start IS NULL) = (quiet_hours_end IS NULL)",
            name="ck_notification_preferences_quiet_hours_pair",
        ),
    )

    user_id: uuid.UUID = _user_fk(primary_key=True)
    # {"job.published": {"EMAIL": true, "PUSH": false}, ...}: only what differs from defaults
    channels: dict[str, Any] = jsonb({})
    quiet_hours_start: time | None = Field(default=None, sa_column=Column(Time))
    quiet_hours_end: time | None = Field(default=None, sa_column=Column(Time))
    time_zone: str = Field(
        default=DEFAULT_TIME_ZONE,
        sa_column=Column(String(64), nullable=False, server_default=DEFAULT_TIME_ZONE),
    )
    updated_at: datetime | None = created_at()


class PushToken(SQLModel, table=True):
    """An Expo push token of one of the user's devices. A token names a device, so it
    belongs to whoever registered it last."""

    __tablename__ = "push_tokens"

    id: uuid.UUID = uuid_pk()
    user_id: uuid.UUID = _user_fk(index=True)
    token: str = Field(sa_column=Column(String(200), nullable=False, unique=True))
    platform: str | None = Field(default=None, sa_column=Column(String(10)))
    device_name: str | None = Field(default=None, sa_column=Column(String(100)))
    created_at: datetime | None = created_at()


class NotificationDelivery(SQLModel, table=True):
    """One notification on one outside channel (EMAIL, PUSH): its state and attempts."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        UniqueConstraint("notification_id", "channel", name="uq_notification_deliveries_channel"),
    )

    id: uuid.UUID = uuid_pk()
    notification_id: uuid.UUID = Field(
        sa_column=Column(
            UUID(as_uuid=True),
            ForeignKey("notifications.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    channel: str = Field(sa_column=Column(String(10), nullable=False))
    status: str = Field(
        default=DeliveryStatus.PENDING,
        sa_column=Column(String(10), nullable=False, server_default=DeliveryStatus.PENDING),
    )
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    last_error: str | None = Field(default=None, sa_column=Column(String(500)))
    deliver_after: datetime | None = timestamp()  # the end of quiet hours, when deferred
    delivered_at: datetime | None = timestamp()
    created_at: datetime | None = created_at()
    updated_at: datetime | None = timestamp()
