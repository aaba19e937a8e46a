"""Extraction and embedding of saved job ads and profiles, in the background.

A save records `job.*` / `profile.*` events; their handler (`domain.ai.handlers`)
calls `schedule_extraction`, which marks the object's extraction PENDING and queues
`EXTRACT_SAVED_TEXT` — unless the text is the one already read (publishing or pausing
a job changes its version, not its words). The task (`run_extraction`) reads the text
as it is now, extracts and embeds it off the event loop, and stores DONE or FAILED.

Two embeddings are stored: the whole text (`embedding`, REAL[]), and the short text the
matching engine compares across languages (`short_embedding`: the title or headline and
the skill names in the text's language, float16 bytes; `domain.matching.short_text`). The
skill names count in the hash, so a save that changes only the skills is read again;
once a short embedding is stored the object is ranked again so matching uses it.

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
from dataclasses import dataclass
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
from domain.events import JobQueue
from domain.jobs.models import Job, JobSkill
from domain.matching import short_text
from domain.matching.handlers import schedule_ranking_after_reading
from domain.profiles.models import WorkerProfile, WorkerSkill
from domain.skills.models import Skill
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


@dataclass(frozen=True, slots=True)
class SavedText:
    """What is read of a job or profile as it is now."""

    version: int
    heading: str  # title or headline
    body: str  # description or bio
    skills: tuple[tuple[str, str], ...] = ()  # (English, Japanese) names, in the object's order

    @property
    def text(self) -> str:
        """The text extraction reads (and the whole-text embedding)."""
        return f"{self.heading}\n{self.body}".strip()

    @property
    def digest(self) -> str:
        """The hash stored and queued: of the text, and of the skill names when there are
        any (they are part of the short text)."""
        if not self.skills:
            return text_hash(self.text)
        return text_hash(self.text + "\n\x00" + "\n".join(en for en, _ in self.skills))

    def short_text(self, language: str) -> str:
        """The heading and the skill names in the text's language: what matching embeds."""
        if language == "ja":
            names = "、".join(ja for _, ja in self.skills)
        else:
            names = ", ".join(en for en, _ in self.skills)
        return f"{self.heading.strip()}\n{names}".strip()


async def current_text(
    session: AsyncSession, kind: SubjectKind, subject_id: uuid.UUID
) -> SavedText | None:
    """The object's version, its text (title or headline, then body) and skill names."""
    if kind is SubjectKind.JOB:
        statement: Any = select(Job.version, Job.title, Job.description).where(Job.id == subject_id)
        names: Any = (
            select(Skill.name_en, Skill.name_ja)
            .join(JobSkill, col(JobSkill.skill_id) == col(Skill.id))
            .where(JobSkill.job_id == subject_id)
            .order_by(col(JobSkill.position))
        )
    else:
        statement = select(WorkerProfile.version, WorkerProfile.headline, WorkerProfile.bio).where(
            WorkerProfile.id == subject_id
        )
        names = (
            select(Skill.name_en, Skill.name_ja)
            .join(WorkerSkill, col(WorkerSkill.skill_id) == col(Skill.id))
            .where(WorkerSkill.profile_id == subject_id)
            .order_by(col(WorkerSkill.position))
        )
    row = (await session.execute(statement)).first()
    if row is None:
        return None
    version, heading, body = row
    skills = tuple((en, ja) for en, ja in (await session.execute(names)).all())
    return SavedText(version, heading or "", body or "", skills)


async def schedule_extraction(uow: UnitOfWork, kind: SubjectKind, subject_id: uuid.UUID) -> bool:
    """Mark the extraction PENDING and queue it, unless this text was already read or
    queued; True when a job was queued."""
    found = await current_text(uow.session, kind, subject_id)
    if found is None:
        return False
    version, digest = found.version, found.digest
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


def analyse(
    kind: SubjectKind, saved: SavedText, today: date
) -> tuple[dict[str, Any], str, list[float], bytes | None]:
    """The stored result (items and draft), the text's language, its embedding and the
    short text's (stored float16; None when there is no heading and no skill).
    CPU-bound: callers run it in a thread."""
    extraction: Extraction
    text = saved.text
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
    whole = [round(float(x), 6) for x in embed([text[:EMBEDDED_CHARS]])[0]]
    short = saved.short_text(extraction.language)
    # Embedded on its own: in one batch with the long text it would be padded to its length.
    stored = short_text.encode(embed([short])[0]) if short else None
    return result, extraction.language, whole, stored


async def run_extraction(
    session_factory: Callable[[], Any],
    kind: SubjectKind,
    subject_id: uuid.UUID,
    digest: str,
    *,
    queue: JobQueue | None = None,
) -> str:
    """Extract and embed the object's text if it is still the one queued; the outcome.

    With a `queue`, a stored short embedding queues the object's ranking again (the one
    its save queued may have run before the embedding existed)."""
    async with session_factory() as session:
        found = await current_text(session, kind, subject_id)
    if found is None:
        return "GONE"
    version = found.version
    if found.digest != digest:
        return "STALE"  # edited again since: the job queued for the new text does it
    values: dict[str, Any] = {"version": version, "completed_at": utcnow()}
    try:
        result, language, vector, short = await asyncio.to_thread(
            analyse, kind, found, japan_today()
        )
    except Exception as error:  # the rules failed on this text: record it, do not retry
        log.exception("extraction of %s %s failed", kind.value, subject_id)
        values |= {
            "status": ExtractionStatus.FAILED.value,
            "error": type(error).__name__,
            "short_embedding": None,  # the old text's: matching falls back to TF-IDF
        }
    else:
        values |= {
            "status": ExtractionStatus.DONE.value,
            "result": result,
            "language": language,
            "embedding": vector,
            "short_embedding": short,
            "error": None,
        }
    async with session_factory() as session, session.begin():
        written = await session.execute(
            update(AiExtraction)
            .where(_subject_column(kind) == subject_id, col(AiExtraction.text_hash) == digest)
            .values(**values)
        )
    if queue is not None and values.get("short_embedding") is not None and written.rowcount:
        await schedule_ranking_after_reading(queue, kind.value, subject_id, version)
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
