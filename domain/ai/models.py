"""The background extraction of a saved job ad or worker profile, and its status.

One row per job or profile (exactly one of `job_id` / `profile_id`), kept beside the
object rather than in its table: the job board reads `jobs` on every page, and the
extraction result (items, draft, 512-float embeddings) is needed only by its owner.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import REAL, CheckConstraint, Column, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlmodel import Field, SQLModel

from domain.columns import created_at, jsonb, timestamp, uuid_pk


class ExtractionStatus(StrEnum):
    PENDING = "PENDING"  # queued: the text changed since the last extraction
    DONE = "DONE"
    FAILED = "FAILED"  # the text could not be read (the object itself is unaffected)


class SubjectKind(StrEnum):
    JOB = "JOB"
    PROFILE = "PROFILE"


def _subject(target: str) -> Any:
    return Field(
        default=None,
        sa_column=Column(UUID(as_uuid=True), ForeignKey(target, ondelete="CASCADE"), unique=True),
    )


class AiExtraction(SQLModel, table=True):
    __tablename__ = "ai_extractions"
    __table_args__ = (
        CheckConstraint(
            "(job_id IS NULL) <> (profile_id IS NULL)", name="ck_ai_extractions_one_subject"
        ),
    )

    id: uuid.UUID = uuid_pk()
    job_id: uuid.UUID | None = _subject("jobs.id")
    profile_id: uuid.UUID | None = _subject("worker_profiles.id")
    status: str = Field(
        default=ExtractionStatus.PENDING.value, sa_column=Column(String(10), nullable=False)
    )
    # The job's or profile's version this row describes (or is being computed for).
    version: int = Field(sa_column=Column(Integer, nullable=False))
    # SHA-256 of the text read: a save that leaves the text alone is not read again.
    text_hash: str = Field(sa_column=Column(String(64), nullable=False))
    language: str | None = Field(default=None, sa_column=Column(String(2)))
    result: dict[str, Any] = jsonb({})  # {"items": [...], "draft": {...}}
    embedding: list[float] | None = Field(default=None, sa_column=Column(ARRAY(REAL)))
    # The title (or headline) and skill names embedded for matching's text factor: 512
    # float16 little-endian (1 KiB; `domain.matching.short_text`), read for every
    # candidate when the matching matrices are built — bytes, not REAL[], so that is cheap.
    short_embedding: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    error: str | None = Field(default=None, sa_column=Column(String(200)))
    requested_at: datetime | None = created_at()
    completed_at: datetime | None = timestamp()
