"""Creating, editing and moving jobs through their lifecycle, for the organisation owning them."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.auth.organizations import is_member, resolve_acting_organization
from domain.auth.principal import Principal, Role
from domain.clock import utcnow
from domain.errors import ErrorCode, Forbidden, NotFound, ValidationFailed, validated
from domain.geo.prefectures import location_search_terms
from domain.jobs.inputs import JobDraft
from domain.jobs.models import Job, JobSkill, JobStatusChange
from domain.jobs.status import EDITABLE, JobStatus, check_transition
from domain.skills.lookup import require_known_skills, skill_search_text
from domain.skills.models import Skill
from domain.text_search import grams, normalize
from domain.unit_of_work import UnitOfWork


async def create_job(uow: UnitOfWork, actor: Principal, data: dict[str, Any]) -> Job:
    user_id = actor.require_role(Role.EMPLOYER)
    draft = validated(JobDraft, data)
    organization_id = await resolve_acting_organization(uow.session, actor, draft.organization_id)
    skills = await require_known_skills(uow.session, [s.skill_id for s in draft.skills], "skills")
    job = Job(
        organization_id=organization_id,
        created_by=user_id,
        status=JobStatus.DRAFT,
        **job_columns(draft, skills),
    )
    uow.session.add(job)
    await uow.session.flush()
    replace_skills(uow.session, job.id, draft)
    uow.session.add(JobStatusChange(job_id=job.id, to_status=JobStatus.DRAFT, actor_id=user_id))
    uow.record("job.created", job_id=str(job.id), organization_id=str(organization_id))
    return job


async def update_job(
    uow: UnitOfWork, actor: Principal, job_id: uuid.UUID, changes: dict[str, Any]
) -> Job:
    """Apply a partial edit: omitted fields keep their value, the result is validated whole."""
    job = await _job_for_owner(uow.session, actor, job_id, lock=True)
    if JobStatus(job.status) not in EDITABLE:
        raise ValidationFailed.single(
            "status", ErrorCode.ILLEGAL_TRANSITION, f"A {job.status} job can no longer be edited."
        )
    if "organization_id" in changes:
        raise ValidationFailed.single(
            "organization_id", ErrorCode.INVALID, "A job cannot move to another organisation."
        )
    current = await draft_of(uow.session, job)
    draft = validated(JobDraft, {**current.model_dump(), **changes})
    skills = await require_known_skills(uow.session, [s.skill_id for s in draft.skills], "skills")
    for column, value in job_columns(draft, skills).items():
        setattr(job, column, value)
    job.version += 1
    job.matching_status = "PENDING"  # ranked again in the background
    job.updated_at = utcnow()
    await uow.session.execute(delete(JobSkill).where(JobSkill.job_id == job.id))  # type: ignore[arg-type]
    replace_skills(uow.session, job.id, draft)
    uow.record(
        "job.updated",
        job_id=str(job.id),
        organization_id=str(job.organization_id),
        status=job.status,
        version=job.version,
    )
    return job


async def transition_job(
    uow: UnitOfWork, actor: Principal, job_id: uuid.UUID, target: JobStatus
) -> Job:
    user_id = actor.require_user()
    job = await _job_for_owner(uow.session, actor, job_id, lock=True)
    current = JobStatus(job.status)
    check_transition(current, target)
    if target is JobStatus.OPEN:
        _check_publishable(job)
        job.published_at = job.published_at or utcnow()
    job.status = target
    job.version += 1
    job.matching_status = "PENDING"  # ranked again in the background
    job.updated_at = utcnow()
    uow.session.add(
        JobStatusChange(job_id=job.id, from_status=current, to_status=target, actor_id=user_id)
    )
    event = "job.published" if target is JobStatus.OPEN else "job.updated"
    uow.record(
        event,
        job_id=str(job.id),
        organization_id=str(job.organization_id),
        status=target.value,
        version=job.version,
    )
    return job


def _check_publishable(job: Job) -> None:
    if not job.description.strip():
        raise ValidationFailed.single(
            "description", ErrorCode.REQUIRED, "Describe the job before publishing it."
        )


def can_see_job(job: Job, *, is_member_of_owner: bool, actor: Principal) -> bool:
    """Drafts are private to their organisation; every later state has a public page."""
    return job.status != JobStatus.DRAFT or is_member_of_owner or actor.is_admin


async def _job_for_owner(
    session: AsyncSession, actor: Principal, job_id: uuid.UUID, *, lock: bool
) -> Job:
    actor.require_user()
    statement = select(Job).where(Job.id == job_id)  # type: ignore[arg-type]
    job = (await session.execute(statement.with_for_update() if lock else statement)).scalar()
    if job is None:
        raise NotFound("job")
    member = await is_member(session, actor, job.organization_id)
    if member or actor.is_admin:
        return job
    if can_see_job(job, is_member_of_owner=False, actor=actor):
        raise Forbidden("Only the job's organisation can change it.")
    raise NotFound("job")


async def draft_of(session: AsyncSession, job: Job) -> JobDraft:
    """The job as the input that would recreate it: the base an edit is merged onto."""
    rows = await session.execute(
        select(JobSkill).where(JobSkill.job_id == job.id).order_by(JobSkill.position)  # type: ignore[arg-type]
    )
    return JobDraft.model_validate(
        {
            "organization_id": job.organization_id,
            "title": job.title,
            "description": job.description,
            "employment_type": job.employment_type,
            "remote": job.remote,
            "location": None
            if job.prefecture is None
            else {"prefecture": job.prefecture, "city": job.city, "lat": job.lat, "lon": job.lon},
            "pay": {"min": job.pay_min, "max": job.pay_max, "period": job.pay_period},
            "skills": [
                {"skill_id": s.skill_id, "min_level": s.min_level, "required": s.required}
                for s in rows.scalars()
            ],
            "languages": job.languages,
            "schedule": job.schedule,
            "openings": job.openings,
            "start_date": job.start_date,
            "required_credential_types": job.required_credential_types,
        }
    )


def job_columns(draft: JobDraft, skills: dict[uuid.UUID, Skill]) -> dict[str, Any]:
    location = draft.location
    searchable = [draft.title, draft.description]
    if location is not None:
        searchable += location_search_terms(location.prefecture, location.city)
    for requirement in draft.skills:
        searchable += skill_search_text(skills[requirement.skill_id])
    return {
        "title": draft.title,
        "description": draft.description,
        "employment_type": draft.employment_type.value,
        "remote": draft.remote,
        "prefecture": location.prefecture if location else None,
        "city": location.city if location else "",
        "lat": location.lat if location else None,
        "lon": location.lon if location else None,
        "pay_min": draft.pay.min,
        "pay_max": draft.pay.max,
        "pay_period": draft.pay.period.value,
        "languages": [language.model_dump(mode="json") for language in draft.languages],
        "schedule": [slot.model_dump(mode="json") for slot in draft.schedule],
        "openings": draft.openings,
        "start_date": draft.start_date,
        "required_credential_types": list(draft.required_credential_types),
        "search_text": " | ".join(normalize(text) for text in searchable if text),
        "search_grams": grams(searchable),
    }


def replace_skills(session: AsyncSession, job_id: uuid.UUID, draft: JobDraft) -> None:
    for position, requirement in enumerate(draft.skills):
        session.add(
            JobSkill(
                job_id=job_id,
                skill_id=requirement.skill_id,
                min_level=requirement.min_level,
                required=requirement.required,
                position=position,
            )
        )
