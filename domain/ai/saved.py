"""Extraction and embedding of saved job ads and profiles, in the background.

A save records `job.*` / `profile.*` events; their handler (`domain.ai.handlers`)
calls `schedule_extraction`, which marks the object's extraction PENDING and queues
`EXTRACT_SAVED_TEXT` — unless the text is the one already read (publishing or pausing
a job changes its version, not its words). The task (`run_extraction`) reads the text
as it is now, extracts and embeds it off the event loop, and stores DONE or FAILED.

Idempotent and safe to retry: a job is queued per version (`ai-extract:<kind>:<id>:<v>`)
and carries the hash of the text it was queued for; if the text has changed again
since, a newer job is queued and this one does nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from domain.ai.assistant import japan_today
from domain.ai.embedding import embed
from domain.ai.extract import extract_job_requirements, extract_worker_profile
from domain.ai.items import items_of
from domain.ai.models import AiExtraction, ExtractionStatus, SubjectKind
from domain.ai.results import Extraction
from domain.auth.organizations import organization_ids_of
from domain.auth.principal import Principal
from domain.clock import utcnow
from domain.jobs.models import Job
from domain.profiles.models import WorkerProfile
from domain.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

EXTRACT_SAVED_TEXT = "extract_saved_text"
EMBEDDED_CHARS = 2_000  # the sentence encoder reads the start of a long text
# The object's own text is not copied into the stored draft: it is on the object.
_OWN_TEXT = frozenset({"title", "description", "headline", "bio"})


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _subject_column(kind: SubjectKind) -> Any:
    return col(AiExtraction.job_id) if kind is SubjectKind.JOB else col(AiExtraction.profile_id)


async def current_text(
    session: AsyncSession, kind: SubjectKind, subject_id: uuid.UUID
) -> tuple[int, str] | None:
    """The object's version and the text the agent reads (title or headline, then body)."""
    if kind is SubjectKind.JOB:
        statement = select(Job.version, Job.title, Job.description).where(Job.id == subject_id)
    else:
        statement = select(WorkerProfile.version, WorkerProfile.headline, WorkerProfile.bio).where(
            WorkerProfile.id == subject_id
        )
    row = (await session.execute(statement)).first()
    if row is None:
        return None
    version, heading, body = row
    return version, f"{heading}\n{body}".strip()


async def schedule_extraction(uow: UnitOfWork, kind: SubjectKind, subject_id: uuid.UUID) -> bool:
    """Mark the extraction PENDING and queue it, unless this text was already read or
    queued; True when a job was queued."""
    found = await current_text(uow.session, kind, subject_id)
    if found is None:
        return False
    version, text = found
    digest = text_hash(text)
    column = _subject_column(kind)
    await uow.session.execute(
        insert(AiExtraction)
        .values(
            id=uuid.uuid4(),
            status=ExtractionStatus.PENDING.value,
            version=0,
            text_hash="",
            **{column.key: subject_id},
        )
        .on_conflict_do_nothing()
    )
    row = (
        await uow.session.execute(
            select(AiExtraction).where(column == subject_id).with_for_update()
        )
    ).scalar_one()
    row.version = max(row.version, version)
    if row.text_hash == digest:
        return False  # read already (DONE or FAILED), or queued (PENDING)
    row.text_hash, row.status, row.error = digest, ExtractionStatus.PENDING.value, None
    row.requested_at = utcnow()
    uow.enqueue_after_commit(
        EXTRACT_SAVED_TEXT,
        job_id=f"ai-extract:{kind.value}:{subject_id}:{version}",
        kind=kind.value,
        subject=str(subject_id),
        text_hash=digest,
    )
    return True


def json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if isinstance(value, uuid.UUID | date):
        return str(value)
    return value


def analyse(kind: SubjectKind, text: str, today: date) -> tuple[dict[str, Any], str, list[float]]:
    """The stored result (items and draft), the text's language and its embedding.
    CPU-bound: callers run it in a thread."""
    extraction: Extraction
    if kind is SubjectKind.JOB:
        job = extract_job_requirements(text, today=today)
        extraction, draft = job, job.to_job_draft()
    else:
        profile = extract_worker_profile(text, today=today)
        extraction, draft = profile, profile.to_profile_draft()
    result = {
        "items": [item.to_json() for item in items_of(extraction)],
        "draft": json_safe({k: v for k, v in draft.items() if k not in _OWN_TEXT}),
    }
    vector = embed([text[:EMBEDDED_CHARS]])[0]
    return result, extraction.language, [round(float(x), 6) for x in vector]


async def run_extraction(
    session_factory: Callable[[], Any], kind: SubjectKind, subject_id: uuid.UUID, digest: str
) -> str:
    """Extract and embed the object's text if it is still the one queued; the outcome."""
    async with session_factory() as session:
        found = await current_text(session, kind, subject_id)
    if found is None:
        return "GONE"
    version, text = found
    if text_hash(text) != digest:
        return "STALE"  # edited again since: the job queued for the new text does it
    values: dict[str, Any] = {"version": version, "completed_at": utcnow()}
    try:
        result, language, vector = await asyncio.to_thread(analyse, kind, text, japan_today())
    except Exception as error:  # the rules failed on this text: record it, do not retry
        log.exception("extraction of %s %s failed", kind.value, subject_id)
        values |= {"status": ExtractionStatus.FAILED.value, "error": type(error).__name__}
    else:
        values |= {
            "status": ExtractionStatus.DONE.value,
            "result": result,
            "language": language,
            "embedding": vector,
            "error": None,
        }
    async with session_factory() as session, session.begin():
        await session.execute(
            update(AiExtraction)
            .where(_subject_column(kind) == subject_id, col(AiExtraction.text_hash) == digest)
            .values(**values)
        )
    return str(values["status"])


async def job_extractions_visible_to(
    session: AsyncSession, actor: Principal, job_ids: list[uuid.UUID]
) -> dict[uuid.UUID, AiExtraction]:
    """The job's organisation (and admins) see what was read from its ad."""
    if actor.user_id is None:
        return {}
    rows = await session.execute(
        select(AiExtraction, Job.organization_id)
        .join(Job, col(Job.id) == col(AiExtraction.job_id))
        .where(col(AiExtraction.job_id).in_(job_ids))
    )
    member_of = set(await organization_ids_of(session, actor.user_id))
    return {
        row.job_id: row
        for row, organization_id in rows.all()
        if row.job_id is not None and (actor.is_admin or organization_id in member_of)
    }


async def profile_extractions_visible_to(
    session: AsyncSession, actor: Principal, profile_ids: list[uuid.UUID]
) -> dict[uuid.UUID, AiExtraction]:
    """The worker themself (and admins) see what was read from their profile."""
    if actor.user_id is None:
        return {}
    rows = await session.execute(
        select(AiExtraction, WorkerProfile.user_id)
        .join(WorkerProfile, col(WorkerProfile.id) == col(AiExtraction.profile_id))
        .where(col(AiExtraction.profile_id).in_(profile_ids))
    )
    return {
        row.profile_id: row
        for row, user_id in rows.all()
        if row.profile_id is not None and (actor.is_admin or user_id == actor.user_id)
    }
