"""Accounts and the organisations they act for."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, String
from sqlalchemy.dialects.postgresql import UUID
from sqlmodel import Field, SQLModel

from domain.columns import created_at, text_array, uuid_pk


class OrganizationKind(StrEnum):
    EMPLOYER = "EMPLOYER"
    ISSUER = "ISSUER"


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: uuid.UUID = uuid_pk()
    email: str = Field(sa_column=Column(String(254), nullable=False, unique=True))
    password_hash: str = Field(sa_column=Column(String, nullable=False))
    display_name: str = Field(sa_column=Column(String(100), nullable=False))
    roles: list[str] = text_array()
    locale: str = Field(default="ja", sa_column=Column(String(10), nullable=False))
    created_at: datetime | None = created_at()


class Organization(SQLModel, table=True):
    __tablename__ = "organizations"

    id: uuid.UUID = uuid_pk()
    name: str = Field(sa_column=Column(String(200), nullable=False))
    kind: str = Field(sa_column=Column(String(20), nullable=False))
    created_at: datetime | None = created_at()


class Membership(SQLModel, table=True):
    """A user acting for an organisation (an employer's staff, an issuer's officers)."""

    __tablename__ = "memberships"

    user_id: uuid.UUID = Field(
        sa_column=Column(
            UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
        )
    )
    organization_id: uuid.UUID = Field(
        sa_column=Column(
            UUID(as_uuid=True),
            ForeignKey("organizations.id", ondelete="CASCADE"),
            primary_key=True,
            index=True,
        )
    )
    created_at: datetime | None = created_at()
