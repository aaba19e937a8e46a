"""The job board: who may see which jobs, and how they are searched."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection
from datetime import date
from typing import Any, NamedTuple

from pydantic import Field
from sqlalchemy import Boolean, Select, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer
from sqlmodel import col

from domain.auth.organizations import organization_ids_of
from domain.auth.partners import PartnerScope
from domain.auth.principal import Principal
from domain.errors import Forbidden, validated
from domain.filters import Near, PayBound, SkillFilter, has_skills
from domain.geo.distance import within_km_condition
from domain.geo.prefectures import Prefecture
from domain.jobs.models import Job, JobSkill
from domain.jobs.service import can_see_job
from domain.jobs.status import JobStatus
from domain.pagination import Page, PageRequest, keyset_page
from domain.skills.models import Skill
from domain.sql import CompiledRead, Readable, all_but, any_of_parameter, plain_rows
from domain.text_search import MAX_QUERY_LENGTH, search_condition
from domain.values import EmploymentType, Model


class JobFilter(Model):
    text: str | None = Field(default=None, max_length=MAX_QUERY_LENGTH)
    # `level` here is the searcher's level: jobs asking for more than it are left out.
    skills: SkillFilter | None = None
    prefecture: Prefecture | None = None
    near: Near | None = None
    pay_at_least: PayBound | None = None
    employment_types: list[EmploymentType] | None = None
    remote: bool | None = None
    # Read from the weekly schedule: True keeps only such jobs, False leaves them out.
    night_shift: bool | None = None
    weekends_only: bool | None = None
    # Jobs starting on or after this day; a job that states no start date starts when
    # hired, so it is kept (issue 7: "starting next week", "来月から").
    starts_from: date | None = None
    organization_id: uuid.UUID | None = None
    statuses: list[JobStatus] = Field(default_factory=lambda: [JobStatus.OPEN], min_length=1)


async def _check_status_visibility(
    session_factory: Callable[[], Any], actor: Principal, wanted: JobFilter
) -> None:
    """Anyone sees open jobs; other statuses only for one's own organisation (or as admin)."""
    if set(wanted.statuses) <= {JobStatus.OPEN} or actor.is_admin:
        return
    if wanted.organization_id is None or actor.user_id is None:
        raise Forbidden("Filter by your organisation to see jobs that are not open.")
    async with session_factory() as session:
        member_of = await organization_ids_of(session, actor.user_id)
    if wanted.organization_id not in member_of:
        raise Forbidden("You can see only your own organisation's unpublished jobs.")


# A slot touching the statutory late-night hours (深夜, 22:00–05:00): it runs past midnight
# (end at or before start), starts before 05:00 or ends after 22:00. HH:MM compares as text.
NIGHT_SHIFT = literal_column(
    "(EXISTS (SELECT 1 FROM jsonb_array_elements(jobs.schedule) AS slot WHERE "
    "slot->>'end' <= slot->>'start' OR slot->>'start' < '05:00' OR slot->>'end' > '22:00'))",
    Boolean,
)
# A schedule, all of it on Saturdays and Sundays.
WEEKENDS_ONLY = literal_column(
    "(jsonb_array_length(jobs.schedule) > 0 AND NOT EXISTS (SELECT 1 FROM "
    "jsonb_array_elements(jobs.schedule) AS slot WHERE slot->>'day' NOT IN ('SAT', 'SUN')))",
    Boolean,
)


# Reads never need the search columns (hundreds of grams per row, each converted in
# Python): leaving them out of the SELECT is most of a 100-job page's load time (issue 10).
JOB_SEARCH_COLUMNS = frozenset({"search_grams", "search_text"})  # for finding, never shown
UNREAD_SEARCH_COLUMNS = tuple(defer(getattr(Job, name)) for name in sorted(JOB_SEARCH_COLUMNS))


def job_search_statement(wanted: JobFilter) -> Select[Any]:
    statement = (
        select(Job)
        .options(*UNREAD_SEARCH_COLUMNS)
        .where(Job.status.in_([s.value for s in wanted.statuses]))  # type: ignore[attr-defined]
    )
    if wanted.text:
        statement = statement.where(
            search_condition(Job.search_grams, Job.search_text, wanted.text)
        )
    if wanted.skills:
        level = wanted.skills.level
        statement = statement.where(
            has_skills(
                Job.id,
                JobSkill.job_id,
                JobSkill.skill_id,
                JobSkill.min_level <= level if level else None,  # type: ignore[operator]
                wanted.skills,
            )
        )
    if wanted.prefecture:
        statement = statement.where(Job.prefecture == wanted.prefecture)  # type: ignore[arg-type]
    if wanted.near:
        near = wanted.near
        statement = statement.where(
            within_km_condition(Job.lat, Job.lon, near.lat, near.lon, near.km)
        )
    if wanted.pay_at_least:
        bound = wanted.pay_at_least
        statement = statement.where(
            Job.pay_period == bound.period.value,  # type: ignore[arg-type]
            Job.pay_max >= bound.amount,  # type: ignore[arg-type]
        )
    if wanted.employment_types:
        statement = statement.where(
            Job.employment_type.in_([t.value for t in wanted.employment_types])  # type: ignore[attr-defined]
        )
    if wanted.remote is not None:
        statement = statement.where(Job.remote == wanted.remote)  # type: ignore[arg-type]
    if wanted.night_shift is not None:
        statement = statement.where(NIGHT_SHIFT if wanted.night_shift else ~NIGHT_SHIFT)
    if wanted.weekends_only is not None:
        statement = statement.where(WEEKENDS_ONLY if wanted.weekends_only else ~WEEKENDS_ONLY)
    if wanted.starts_from is not None:
        # A plain row condition: the keyset order (created_at, id) and its index are kept.
        statement = statement.where(
            or_(col(Job.start_date).is_(None), col(Job.start_date) >= wanted.starts_from)
        )
    if wanted.organization_id:
        statement = statement.where(Job.organization_id == wanted.organization_id)  # type: ignore[arg-type]
    return statement


async def browse_jobs(
    session_factory: Callable[[], Any],
    actor: Principal,
    filter_data: dict[str, Any],
    page: PageRequest,
    columns: Collection[str] | None = None,
) -> Page[Job]:
    """A page of the jobs the actor may browse. With `columns`, only those columns are
    read (what the caller will show; the rest stay unloaded), else all but the search
    columns."""
    actor.require_scope(PartnerScope.JOBS_READ)
    wanted = validated(JobFilter, filter_data)
    page.validate()
    await _check_status_visibility(session_factory, actor, wanted)
    return await keyset_page(
        session_factory,
        job_search_statement(wanted),
        Job.created_at,
        Job.id,
        page,
        read_only_leaving_out=JOB_SEARCH_COLUMNS if columns is None else all_but(Job, columns),
    )


def job_visible(job: Job, actor: Principal, member_of: set[uuid.UUID]) -> bool:
    """The one visibility rule for a job, given the organisations the actor belongs to."""
    if actor.scopes is not None and PartnerScope.JOBS_READ not in actor.scopes:
        return False
    return can_see_job(job, is_member_of_owner=job.organization_id in member_of, actor=actor)


async def jobs_by_id(session: AsyncSession, job_ids: list[uuid.UUID]) -> dict[uuid.UUID, Job]:
    """Unfiltered: callers apply `job_visible` themselves."""
    statement = select(Job).options(*UNREAD_SEARCH_COLUMNS).where(Job.id.in_(job_ids))  # type: ignore[attr-defined]
    rows = (await session.execute(statement)).scalars().all()
    return {job.id: job for job in rows}


async def jobs_visible_to(
    session: AsyncSession, actor: Principal, job_ids: list[uuid.UUID]
) -> dict[uuid.UUID, Job]:
    """The jobs among `job_ids` the actor may see; the rest are simply absent."""
    if actor.scopes is not None and PartnerScope.JOBS_READ not in actor.scopes:
        return {}
    member_of = set(await organization_ids_of(session, actor.user_id)) if actor.user_id else set()
    found = await jobs_by_id(session, job_ids)
    return {pk: job for pk, job in found.items() if job_visible(job, actor, member_of)}


SKILL_SEARCH_COLUMNS = frozenset({"search_grams", "search_text"})  # never shown: n-grams


class SkillLink(NamedTuple):
    """What a job asks of one skill, as it is shown: a page has ~300 of them, and making
    a `JobSkill` row for each (its keys and position only ever read here) cost more
    than the rest of the link (bench/README.md)."""

    min_level: int
    required: bool
    skill: Skill


_LINKED_SKILLS = plain_rows(Skill, SKILL_SEARCH_COLUMNS)
_SKILLS_OF_JOBS = CompiledRead(
    select(JobSkill.job_id, JobSkill.min_level, JobSkill.required, *_LINKED_SKILLS.columns)  # type: ignore[call-overload]
    .join(Skill, Skill.id == JobSkill.skill_id)
    .where(any_of_parameter(JobSkill.job_id, "job_ids"))
    .order_by(JobSkill.job_id, JobSkill.position)
)
# A row of `_SKILLS_OF_JOBS`: the job's id, the min level, required, then the skill.
_JOB_ID_AT, _MIN_LEVEL_AT, _REQUIRED_AT, _SKILL_AT = range(4)
_SKILL_ID_AT = _SKILL_AT + _LINKED_SKILLS.position("id")


async def skills_of_jobs(
    on: Readable, job_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[SkillLink]]:
    """Each job's skill links with their skills, in the employer's order. Read as plain
    columns (a page's ~300 links through the ORM cost more than the rest of the page),
    by position (a mapped attribute of a row is a descriptor call)."""
    found: dict[uuid.UUID, list[SkillLink]] = {job_id: [] for job_id in job_ids}
    seen: dict[uuid.UUID, Skill] = {}
    for row in await _SKILLS_OF_JOBS.fetch(on, job_ids=job_ids):
        skill_id = row[_SKILL_ID_AT]
        skill = seen.get(skill_id)
        if skill is None:
            skill = seen[skill_id] = _LINKED_SKILLS.instance(row, _SKILL_AT)
        found[row[_JOB_ID_AT]].append(SkillLink(row[_MIN_LEVEL_AT], row[_REQUIRED_AT], skill))
    return found
