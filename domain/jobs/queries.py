"""The job board: who may see which jobs, and how they are searched."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import date
from functools import lru_cache
from typing import Any, NamedTuple

from pydantic import Field
from sqlalchemy import (
    Boolean,
    Float,
    Select,
    Text,
    and_,
    any_,
    bindparam,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer
from sqlmodel import col

from domain.auth.organizations import organization_ids_of
from domain.auth.partners import PartnerScope
from domain.auth.principal import Principal
from domain.bounded import keep
from domain.errors import Forbidden, validated
from domain.filters import Near, PayBound, SkillFilter, SkillMatch, has_skills
from domain.geo.distance import NearBox, near_box, within_sql
from domain.geo.prefectures import Prefecture
from domain.jobs.models import Job, JobSkill
from domain.jobs.service import can_see_job
from domain.jobs.status import JobStatus
from domain.pagination import Page, PageQuery, PageRequest, keyset_page
from domain.skills.models import Skill
from domain.sql import (
    UUID_ARRAY,
    Columns,
    CompiledRead,
    Readable,
    all_but,
    any_of_parameter,
    plain_rows,
)
from domain.text_search import MAX_QUERY_LENGTH, search_sql, search_terms
from domain.values import EmploymentType, Model

# The attribute under which a job's `Columns`, read joined to its organisation's
# (`domain.sql.with_related`), hold the organisation's `Columns`.
JOINED_ORGANIZATION = "organization"


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


def job_search(wanted: JobFilter) -> PageQuery:
    """The search for `wanted`: which conditions (its shape) and their values. The
    statement of a shape is built once (`job_search_statement`) and its page compiled
    once (`domain.pagination.PageQuery`); a request only works out the values here."""
    shape: list[tuple[Any, ...]] = []
    values: dict[str, Any] = {"statuses": [status.value for status in wanted.statuses]}
    if wanted.text and (terms := search_terms(wanted.text)) is not None:
        shape.append(("text", len(terms.patterns)))
        values["text_grams"] = terms.grams
        values.update((f"text_{index}", pattern) for index, pattern in enumerate(terms.patterns))
    if wanted.skills:
        skills = wanted.skills
        shape.append(("skills", skills.match, skills.level is not None))
        values["skill_ids"] = list(skills.skill_ids)
        if skills.match is SkillMatch.ALL:
            values["distinct_skills"] = len(set(skills.skill_ids))
        if skills.level is not None:
            values["skill_level"] = skills.level
    if wanted.prefecture:
        shape.append(("prefecture",))
        values["prefecture"] = wanted.prefecture
    if wanted.near:
        shape.append(("near",))
        near = wanted.near
        values.update(zip(_NEAR_PARAMETERS, near_box(near.lat, near.lon, near.km), strict=True))
    if wanted.pay_at_least:
        shape.append(("pay",))
        values["pay_period"] = wanted.pay_at_least.period.value
        values["pay_amount"] = wanted.pay_at_least.amount
    if wanted.employment_types:
        shape.append(("employment_types",))
        values["employment_types"] = [kind.value for kind in wanted.employment_types]
    if wanted.remote is not None:
        shape.append(("remote",))
        values["remote"] = wanted.remote
    if wanted.night_shift is not None:
        shape.append(("night_shift", wanted.night_shift))
    if wanted.weekends_only is not None:
        shape.append(("weekends_only", wanted.weekends_only))
    if wanted.starts_from is not None:
        shape.append(("starts_from",))
        values["starts_from"] = wanted.starts_from
    if wanted.organization_id:
        shape.append(("organization",))
        values["organization_id"] = wanted.organization_id
    return PageQuery(job_search_statement, tuple(shape), values)


_NEAR_PARAMETERS = tuple(f"near_{name}" for name in NearBox._fields)
_TEXT_ARRAY = ARRAY(Text)


@lru_cache(maxsize=512)  # one per shape: which filters a search uses
def job_search_statement(shape: tuple[tuple[Any, ...], ...]) -> Select[Any]:
    """The jobs search of this shape (`job_search`), each value a named parameter."""
    statement = (
        select(Job)
        .options(*UNREAD_SEARCH_COLUMNS)
        .where(col(Job.status) == any_(bindparam("statuses", type_=_TEXT_ARRAY)))
    )
    for name, *details in shape:
        statement = statement.where(_JOB_CONDITIONS[name](*details))
    return statement


def _text_condition(patterns: int) -> Any:
    return search_sql(
        Job.search_grams,
        Job.search_text,
        bindparam("text_grams", type_=_TEXT_ARRAY),
        [bindparam(f"text_{index}", type_=Text) for index in range(patterns)],
    )


def _skills_condition(match: SkillMatch, leveled: bool) -> Any:
    return has_skills(
        Job.id,
        JobSkill.job_id,
        JobSkill.skill_id,
        col(JobSkill.min_level) <= bindparam("skill_level") if leveled else None,
        match,
        bindparam("skill_ids", type_=UUID_ARRAY),
        bindparam("distinct_skills"),
    )


# Each condition of a jobs search by name, built from the details its shape gives.
_JOB_CONDITIONS: dict[str, Callable[..., Any]] = {
    "text": _text_condition,
    "skills": _skills_condition,
    "prefecture": lambda: col(Job.prefecture) == bindparam("prefecture"),
    "near": lambda: within_sql(
        Job.lat, Job.lon, NearBox(*(bindparam(name, type_=Float) for name in _NEAR_PARAMETERS))
    ),
    "pay": lambda: and_(
        col(Job.pay_period) == bindparam("pay_period"),
        col(Job.pay_max) >= bindparam("pay_amount"),
    ),
    "employment_types": lambda: (
        col(Job.employment_type) == any_(bindparam("employment_types", type_=_TEXT_ARRAY))
    ),
    "remote": lambda: col(Job.remote) == bindparam("remote"),
    "night_shift": lambda wanted: NIGHT_SHIFT if wanted else ~NIGHT_SHIFT,
    "weekends_only": lambda wanted: WEEKENDS_ONLY if wanted else ~WEEKENDS_ONLY,
    # A plain row condition: the keyset order (created_at, id) and its index are kept.
    "starts_from": lambda: or_(
        col(Job.start_date).is_(None), col(Job.start_date) >= bindparam("starts_from")
    ),
    "organization": lambda: col(Job.organization_id) == bindparam("organization_id"),
}


async def browse_jobs(
    session_factory: Callable[[], Any],
    actor: Principal,
    filter_data: dict[str, Any],
    page: PageRequest,
    columns: Collection[str] | None = None,
    connect: Callable[[], AbstractAsyncContextManager[Readable]] | None = None,
) -> Page[Job | Columns]:
    """A page of the jobs the actor may browse. With `columns`, only those columns are
    read, as `Columns` (what the caller will show; the rest stay unloaded), else all but
    the search columns (detached rows); on a connection from `connect` when given
    (`keyset_page`)."""
    actor.require_scope(PartnerScope.JOBS_READ)
    wanted = validated(JobFilter, filter_data)
    page.validate()
    await _check_status_visibility(session_factory, actor, wanted)
    return await keyset_page(
        session_factory,
        job_search(wanted),
        Job.created_at,
        Job.id,
        page,
        read_only_leaving_out=JOB_SEARCH_COLUMNS if columns is None else all_but(Job, columns),
        as_columns=columns is not None,
        connect=connect,
    )


def job_visible(job: Job, actor: Principal, member_of: set[uuid.UUID]) -> bool:
    """The one visibility rule for a job, given the organisations the actor belongs to."""
    if not reads_jobs(actor):
        return False
    return can_see_job(job, is_member_of_owner=job.organization_id in member_of, actor=actor)


def reads_jobs(actor: Principal) -> bool:
    """Whether the actor may read jobs at all (a partner's token needs the scope): all it
    takes to see a public job (`job_visible`)."""
    return actor.scopes is None or PartnerScope.JOBS_READ in actor.scopes


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
# One link per skill is flagged, the skill's columns are read with it (whichever it is).
_ONE_PER_SKILL = func.row_number().over(partition_by=col(JobSkill.skill_id)) == literal_column("1")
_LINKS = (
    select(  # type: ignore[call-overload]
        JobSkill.job_id,
        JobSkill.min_level,
        JobSkill.required,
        JobSkill.skill_id,
        JobSkill.position,
        _ONE_PER_SKILL.label("with_skill"),
    )
    .where(any_of_parameter(JobSkill.job_id, "job_ids"))
    .subquery()
)
# Each link with its skill's columns on one of the skill's links only (NULL on the others):
# a page's ~290 links name far fewer skills, and decoding a skill's names and aliases again
# on every link was ~8 % of a page of jobs (bench/README.md).
_SKILLS_OF_JOBS = CompiledRead(
    select(  # type: ignore[call-overload]
        _LINKS.c.job_id,
        _LINKS.c.min_level,
        _LINKS.c.required,
        _LINKS.c.skill_id,
        *_LINKED_SKILLS.columns,
    )
    .outerjoin(Skill, and_(col(Skill.id) == _LINKS.c.skill_id, _LINKS.c.with_skill))
    .order_by(_LINKS.c.job_id, _LINKS.c.position, _LINKS.c.skill_id)
)
# A row of `_SKILLS_OF_JOBS`: the job's id, the min level, required, the skill's id, then
# the skill's columns (or NULLs).
_JOB_ID_AT, _MIN_LEVEL_AT, _REQUIRED_AT, _LINKED_SKILL_ID_AT, _SKILL_AT = range(5)
_SKILL_ID_AT = _SKILL_AT + _LINKED_SKILLS.position("id")


class SharedSkill:
    """A skill row shared by the reads that found it with the same values, and the links
    to it, one per (min level, required)."""

    __slots__ = ("links", "row", "values")

    def __init__(self, row: Skill, values: tuple[Any, ...]) -> None:
        self.row = row
        self.values = values
        self.links: dict[tuple[int, bool], SkillLink] = {}

    def link(self, min_level: int, required: bool) -> SkillLink:
        key = (min_level, required)
        link = self.links.get(key)
        if link is None:
            link = self.links[key] = SkillLink(min_level, required, self.row)
        return link


class _SharedSkills:
    """The skill rows and links read lately, by skill id: a page of jobs reads ~290 links
    to far fewer skills, the same ones request after request. A row and its links are
    shared while a read finds the same values (compared column by column); a changed
    skill gets a new row. Shared, they are what `schema/shown.py` keeps one GraphQL object
    of. Bounded: the oldest skill goes first."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._by_id: dict[uuid.UUID, SharedSkill] = {}

    def of(self, row: Sequence[Any]) -> SharedSkill:
        """The shared skill of a `_SKILLS_OF_JOBS` row."""
        values = tuple(row)[_SKILL_AT:]
        skill_id = row[_SKILL_ID_AT]
        shared = self._by_id.get(skill_id)
        if shared is None or shared.values != values:
            shared = SharedSkill(_LINKED_SKILLS.instance(row, _SKILL_AT), values)
            keep(self._by_id, skill_id, shared, self._limit)
        return shared


_SHARED_SKILLS = _SharedSkills(4096)


async def skills_of_jobs(
    on: Readable, job_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[SkillLink]]:
    """Each job's skill links with their skills, in the employer's order. Read as plain
    columns (a page's ~300 links through the ORM cost more than the rest of the page),
    by position (a mapped attribute of a row is a descriptor call), each skill's columns
    once (`_SKILLS_OF_JOBS`); the skill rows and links are the shared ones
    (`_SharedSkills`)."""
    rows = await _SKILLS_OF_JOBS.fetch(on, job_ids=job_ids)
    skills = {
        row[_LINKED_SKILL_ID_AT]: _SHARED_SKILLS.of(row)
        for row in rows
        if row[_SKILL_ID_AT] is not None  # the link that holds its skill's columns
    }
    found: dict[uuid.UUID, list[SkillLink]] = {job_id: [] for job_id in job_ids}
    for row in rows:
        shared = skills[row[_LINKED_SKILL_ID_AT]]
        found[row[_JOB_ID_AT]].append(shared.link(row[_MIN_LEVEL_AT], row[_REQUIRED_AT]))
    return found
