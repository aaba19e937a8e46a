"""Column factories shared by the tables: UTC timestamps, UUID keys, JSONB, text arrays."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Column, DateTime, func, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.types import Text
from sqlmodel import Field


def uuid_pk() -> Any:
    return Field(
        default_factory=uuid.uuid4,
        sa_column=Column(UUID(as_uuid=True), primary_key=True),
    )


def created_at() -> Any:
    return Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


def timestamp(nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=nullable))


def jsonb(default: Any) -> Any:
    return Field(
        default_factory=lambda: type(default)(),
        sa_column=Column(JSONB, nullable=False, server_default=text(f"'{default!r}'::jsonb")),
    )


def text_array() -> Any:
    return Field(
        default_factory=list,
        sa_column=Column(ARRAY(Text), nullable=False, server_default=text("'{}'")),
    )
