"""Matches (job × worker) and the record of every status change."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    Float,
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

from domain.columns import created_at, jsonb, timestamp, uuid_pk


def _fk(target: str, *, index: bool = False) -> Any:
    return Field(
        sa_column=Column(
            UUID(as_uuid=True), ForeignKey(target, ondelete="CASCADE"), nullable=False, index=index
        )
    )


class Match(SQLModel, table=True):
    __tablename__ = "matches"
    __table_args__ = (
        UniqueConstraint("job_id", "profile_id", name="uq_matches_job_profile"),
        # "Recommended workers for a job" and "recommended jobs for a worker", best first.
        Index("ix_matches_job_score", "job_id", text("score DESC"), text("id DESC")),
        Index("ix_matches_profile_score", "profile_id", text("score DESC"), text("id DESC")),
        Index("ix_matches_profile_newest", "profile_id", text("created_at DESC"), text("id DESC")),
        Index("ix_matches_job_newest", "job_id", text("created_at DESC"), text("id DESC")),
    )

    id: uuid.UUID = uuid_pk()
    job_id: uuid.UUID = _fk("jobs.id")
    profile_id: uuid.UUID = _fk("worker_profiles.id")
    origin: str = Field(sa_column=Column(String(12), nullable=False))
    status: str = Field(sa_column=Column(String(12), nullable=False))
    score: float = Field(default=0.0, sa_column=Column(Float, nullable=False, server_default="0"))
    breakdown: dict[str, Any] = jsonb({})
    explanation_en: str = Field(
        default="", sa_column=Column(Text, nullable=False, server_default="")
    )
    explanation_ja: str = Field(
        default="", sa_column=Column(Text, nullable=False, server_default="")
    )
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False))
    created_at: datetime | None = created_at()
    updated_at: datetime | None = timestamp()


class MatchTransition(SQLModel, table=True):
    """Every status change of a match: from, to, who and when."""

    __tablename__ = "match_transitions"

    id: uuid.UUID = uuid_pk()
    match_id: uuid.UUID = _fk("matches.id", index=True)
    from_status: str | None = Field(default=None, sa_column=Column(String(12)))
    to_status: str = Field(sa_column=Column(String(12), nullable=False))
    actor_id: uuid.UUID | None = Field(default=None, sa_column=Column(UUID(as_uuid=True)))
    note: str = Field(default="", sa_column=Column(String(500), nullable=False, server_default=""))
    changed_at: datetime | None = created_at()
