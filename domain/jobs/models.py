"""Jobs, the skills they ask for, and the record of their status changes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
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


def _fk(target: str, *, primary_key: bool = False, index: bool = False) -> Any:
    return Field(
        sa_column=Column(
            UUID(as_uuid=True),
            ForeignKey(target, ondelete="CASCADE"),
            nullable=False,
            primary_key=primary_key,
            index=index,
        )
    )


class Job(SQLModel, table=True):
    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint("pay_min >= 0 AND pay_min <= pay_max", name="ck_jobs_pay_range"),
        CheckConstraint("openings >= 1", name="ck_jobs_openings"),
        # Public browsing only ever reads OPEN jobs: keep those indexes small.
        Index(
            "ix_jobs_open_newest",
            text("created_at DESC"),
            text("id DESC"),
            postgresql_where=text("status = 'OPEN'"),
        ),
        Index(
            "ix_jobs_open_prefecture",
            "prefecture",
            text("created_at DESC"),
            postgresql_where=text("status = 'OPEN'"),
        ),
        Index("ix_jobs_open_lat_lon", "lat", "lon", postgresql_where=text("status = 'OPEN'")),
        Index(
            "ix_jobs_open_pay", "pay_period", "pay_max", postgresql_where=text("status = 'OPEN'")
        ),
        Index("ix_jobs_search_grams", "search_grams", postgresql_using="gin"),
        Index("ix_jobs_organization", "organization_id", text("created_at DESC")),
    )

    id: uuid.UUID = uuid_pk()
    organization_id: uuid.UUID = Field(
        sa_column=Column(UUID(as_uuid=True), ForeignKey("organizations.id"), nullable=False)
    )
    title: str = Field(sa_column=Column(String(120), nullable=False))
    description: str = Field(sa_column=Column(Text, nullable=False))
    employment_type: str = Field(sa_column=Column(String(20), nullable=False))
    remote: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    prefecture: str | None = Field(default=None, sa_column=Column(String(20)))
    city: str = Field(default="", sa_column=Column(String(100), nullable=False))
    lat: float | None = Field(default=None, sa_column=Column(Float))
    lon: float | None = Field(default=None, sa_column=Column(Float))
    pay_min: int = Field(sa_column=Column(Integer, nullable=False))
    pay_max: int = Field(sa_column=Column(Integer, nullable=False))
    pay_period: str = Field(sa_column=Column(String(10), nullable=False))
    languages: list[dict[str, Any]] = jsonb([])
    schedule: list[dict[str, Any]] = jsonb([])
    openings: int = Field(default=1, sa_column=Column(Integer, nullable=False))
    start_date: date | None = Field(default=None, sa_column=Column(Date))
    required_credential_types: list[str] = text_array()
    status: str = Field(default="DRAFT", sa_column=Column(String(10), nullable=False))
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False))
    search_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    search_grams: list[str] = text_array()
    created_by: uuid.UUID = Field(
        sa_column=Column(UUID(as_uuid=True), ForeignKey("users.id"), nullable=False)
    )
    created_at: datetime | None = created_at()
    updated_at: datetime | None = timestamp()
    published_at: datetime | None = timestamp()
    # The matching engine's bookkeeping: PENDING after a change, DONE once ranked (see matching).
    matching_status: str = Field(
        default="IDLE", sa_column=Column(String(10), nullable=False, server_default="IDLE")
    )
    matched_at: datetime | None = timestamp()


class JobSkill(SQLModel, table=True):
    __tablename__ = "job_skills"
    __table_args__ = (Index("ix_job_skills_skill", "skill_id", "min_level"),)

    job_id: uuid.UUID = _fk("jobs.id", primary_key=True)
    skill_id: uuid.UUID = Field(
        sa_column=Column(UUID(as_uuid=True), ForeignKey("skills.id"), primary_key=True)
    )
    min_level: int = Field(sa_column=Column(SmallInteger, nullable=False))
    required: bool = Field(sa_column=Column(Boolean, nullable=False))
    position: int = Field(sa_column=Column(SmallInteger, nullable=False))


class JobStatusChange(SQLModel, table=True):
    """Every status transition, who made it and when: the job's audit trail."""

    __tablename__ = "job_status_changes"

    id: uuid.UUID = uuid_pk()
    job_id: uuid.UUID = _fk("jobs.id", index=True)
    from_status: str | None = Field(default=None, sa_column=Column(String(10)))
    to_status: str = Field(sa_column=Column(String(10), nullable=False))
    actor_id: uuid.UUID = Field(
        sa_column=Column(UUID(as_uuid=True), ForeignKey("users.id"), nullable=False)
    )
    changed_at: datetime | None = created_at()
