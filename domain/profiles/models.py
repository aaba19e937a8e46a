"""Worker profiles: what a person looking for work tells employers about themselves."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlmodel import Field, SQLModel

from domain.columns import created_at, jsonb, text_array, timestamp, uuid_pk


class WorkerProfile(SQLModel, table=True):
    __tablename__ = "worker_profiles"
    __table_args__ = (
        # Employers browse only visible profiles: keep those indexes small.
        Index(
            "ix_profiles_visible_newest",
            text("created_at DESC"),
            text("id DESC"),
            postgresql_where=text("visibility = 'PUBLIC'"),
        ),
        Index(
            "ix_profiles_visible_prefecture",
            "prefecture",
            text("created_at DESC"),
            postgresql_where=text("visibility = 'PUBLIC'"),
        ),
        Index(
            "ix_profiles_visible_lat_lon",
            "lat",
            "lon",
            postgresql_where=text("visibility = 'PUBLIC'"),
        ),
        Index(
            "ix_profiles_visible_pay",
            "desired_pay_period",
            "desired_pay_amount",
            postgresql_where=text("visibility = 'PUBLIC'"),
        ),
        Index("ix_profiles_search_grams", "search_grams", postgresql_using="gin"),
        Index("ix_profiles_employment_types", "employment_types", postgresql_using="gin"),
    )

    id: uuid.UUID = uuid_pk()
    user_id: uuid.UUID = Field(
        sa_column=Column(
            UUID(as_uuid=True),
            ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        )
    )
    headline: str = Field(sa_column=Column(String(120), nullable=False))
    bio: str = Field(default="", sa_column=Column(Text, nullable=False))
    prefecture: str | None = Field(default=None, sa_column=Column(String(20)))
    city: str = Field(default="", sa_column=Column(String(100), nullable=False))
    lat: float | None = Field(default=None, sa_column=Column(Float))
    lon: float | None = Field(default=None, sa_column=Column(Float))
    travel_radius_km: int = Field(default=20, sa_column=Column(Integer, nullable=False))
    remote_ok: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    desired_pay_amount: int | None = Field(default=None, sa_column=Column(Integer))
    desired_pay_period: str | None = Field(default=None, sa_column=Column(String(10)))
    employment_types: list[str] = text_array()
    languages: list[dict[str, Any]] = jsonb([])
    weekly_availability: list[dict[str, Any]] = jsonb([])
    earliest_start: date | None = Field(default=None, sa_column=Column(Date))
    residence_status: str | None = Field(default=None, sa_column=Column(String(40)))
    work_authorization_expires_on: date | None = Field(default=None, sa_column=Column(Date))
    visibility: str = Field(default="PUBLIC", sa_column=Column(String(10), nullable=False))
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False))
    search_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    search_grams: list[str] = text_array()
    created_at: datetime | None = created_at()
    updated_at: datetime | None = timestamp()
    # The matching engine's bookkeeping: PENDING after a change, DONE once ranked (see matching).
    matching_status: str = Field(
        default="IDLE", sa_column=Column(String(10), nullable=False, server_default="IDLE")
    )
    matched_at: datetime | None = timestamp()


class WorkerSkill(SQLModel, table=True):
    __tablename__ = "worker_skills"
    __table_args__ = (Index("ix_worker_skills_skill_level", "skill_id", "level"),)

    profile_id: uuid.UUID = Field(
        sa_column=Column(
            UUID(as_uuid=True),
            ForeignKey("worker_profiles.id", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    skill_id: uuid.UUID = Field(
        sa_column=Column(UUID(as_uuid=True), ForeignKey("skills.id"), primary_key=True)
    )
    level: int = Field(sa_column=Column(SmallInteger, nullable=False))
    years: float = Field(default=0, sa_column=Column(Float, nullable=False))
    position: int = Field(sa_column=Column(SmallInteger, nullable=False))
