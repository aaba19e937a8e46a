"""The append-only audit log of security-relevant events."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, String, text
from sqlalchemy.dialects.postgresql import UUID
from sqlmodel import Field, SQLModel

from domain.columns import created_at, jsonb, uuid_pk


class AuditEvent(SQLModel, table=True):
    """No foreign keys: the record outlives the users and objects it names.
    A database trigger refuses UPDATE and DELETE (migration 0003)."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_newest", text("occurred_at DESC"), text("id DESC")),
        Index("ix_audit_events_kind", "kind", text("occurred_at DESC")),
        Index("ix_audit_events_actor", "actor_id", text("occurred_at DESC")),
    )

    id: uuid.UUID = uuid_pk()
    occurred_at: datetime | None = created_at()
    kind: str = Field(sa_column=Column(String(40), nullable=False))
    actor_id: uuid.UUID | None = Field(default=None, sa_column=Column(UUID(as_uuid=True)))
    subject_id: uuid.UUID | None = Field(default=None, sa_column=Column(UUID(as_uuid=True)))
    ip: str | None = Field(default=None, sa_column=Column(String(45)))
    details: dict[str, Any] = jsonb({})
