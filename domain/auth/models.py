"""Accounts and the organisations they act for."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String
from sqlalchemy.dialects.postgresql import UUID
from sqlmodel import Field, SQLModel

from domain.columns import created_at, text_array, timestamp, uuid_pk


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
    # Access tokens carry the epoch they were issued in; bumping it (password change, logout
    # everywhere) invalidates every access token issued before, at once.
    session_epoch: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, server_default="0")
    )


class Organization(SQLModel, table=True):
    __tablename__ = "organizations"

    id: uuid.UUID = uuid_pk()
    name: str = Field(sa_column=Column(String(200), nullable=False))
    kind: str = Field(sa_column=Column(String(20), nullable=False))
    # An issuer's credentials verify as trusted only once an admin has vouched for it: anyone
    # can register an organisation called "Tokyo University".
    trusted_at: datetime | None = timestamp()
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


class RefreshToken(SQLModel, table=True):
    """An opaque refresh token, stored only as its SHA-256; rotated on every use.

    All tokens descended from one login share a `family_id`: presenting one that
    was already used revokes the whole family (reuse detection)."""

    __tablename__ = "refresh_tokens"

    id: uuid.UUID = uuid_pk()
    family_id: uuid.UUID = Field(sa_column=Column(UUID(as_uuid=True), nullable=False, index=True))
    user_id: uuid.UUID = Field(
        sa_column=Column(
            UUID(as_uuid=True),
            ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    created_at: datetime | None = created_at()
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    used_at: datetime | None = timestamp()
    revoked_at: datetime | None = timestamp()
    revoked_reason: str | None = Field(default=None, sa_column=Column(String(40)))


class OAuthClient(SQLModel, table=True):
    """A partner's machine credentials for the OAuth 2.0 client-credentials grant."""

    __tablename__ = "oauth_clients"

    id: uuid.UUID = uuid_pk()
    client_id: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    secret_hash: str = Field(sa_column=Column(String, nullable=False))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    owner_id: uuid.UUID = Field(
        sa_column=Column(
            UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        )
    )
    scopes: list[str] = text_array()
    created_at: datetime | None = created_at()
    revoked_at: datetime | None = timestamp()
