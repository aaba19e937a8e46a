"""Partners' webhooks, each delivery of an event to one, and every attempt at it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlmodel import Field, SQLModel

from domain.columns import created_at, jsonb, text_array, timestamp, uuid_pk
from domain.notifications.models import DeliveryStatus


def _fk(target: str) -> Any:
    return Field(
        sa_column=Column(UUID(as_uuid=True), ForeignKey(target, ondelete="CASCADE"), nullable=False)
    )


class Webhook(SQLModel, table=True):
    """The secret signs every delivery; it is kept AES-256-GCM encrypted under the
    data-encryption keys (bound to this row) and shown to the partner only once."""

    __tablename__ = "webhooks"
    __table_args__ = (
        CheckConstraint("secret_encrypted LIKE 'v1.%'", name="ck_webhooks_secret_encrypted"),
        Index("ix_webhooks_owner_newest", "owner_id", text("created_at DESC"), text("id DESC")),
        Index("ix_webhooks_event_kinds", "event_kinds", postgresql_using="gin"),
    )

    id: uuid.UUID = uuid_pk()
    owner_id: uuid.UUID = _fk("users.id")
    url: str = Field(sa_column=Column(String(2048), nullable=False))
    event_kinds: list[str] = text_array()
    description: str | None = Field(default=None, sa_column=Column(String(200)))
    secret_encrypted: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime | None = created_at()


class WebhookDelivery(SQLModel, table=True):
    """One event to one webhook; `payload` is exactly what every attempt sends."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("webhook_id", "event_id", name="uq_webhook_deliveries_event"),
        Index(
            "ix_webhook_deliveries_webhook_newest",
            "webhook_id",
            text("created_at DESC"),
            text("id DESC"),
        ),
    )

    id: uuid.UUID = uuid_pk()
    webhook_id: uuid.UUID = _fk("webhooks.id")
    event_id: str = Field(sa_column=Column(String(64), nullable=False))
    event_kind: str = Field(sa_column=Column(String(40), nullable=False))
    payload: dict[str, Any] = jsonb({})
    status: str = Field(
        default=DeliveryStatus.PENDING,
        sa_column=Column(String(10), nullable=False, server_default=DeliveryStatus.PENDING),
    )
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    last_status_code: int | None = Field(default=None, sa_column=Column(Integer))
    last_error: str | None = Field(default=None, sa_column=Column(String(500)))
    created_at: datetime | None = created_at()
    updated_at: datetime | None = timestamp()
    delivered_at: datetime | None = timestamp()


class WebhookDeliveryAttempt(SQLModel, table=True):
    __tablename__ = "webhook_delivery_attempts"

    id: uuid.UUID = uuid_pk()
    delivery_id: uuid.UUID = Field(
        sa_column=Column(
            UUID(as_uuid=True),
            ForeignKey("webhook_deliveries.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    attempt: int = Field(sa_column=Column(Integer, nullable=False))
    status_code: int | None = Field(default=None, sa_column=Column(Integer))
    # DELIVERED (2xx), HTTP_ERROR (any other status), NETWORK_ERROR, REFUSED (SSRF guard)
    outcome: str = Field(sa_column=Column(String(16), nullable=False))
    error: str | None = Field(default=None, sa_column=Column(String(500)))
    duration_ms: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    attempted_at: datetime | None = created_at()
