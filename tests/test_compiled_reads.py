"""`CompiledRead` sends its statement to asyncpg itself on a lent read connection and
through SQLAlchemy inside a transaction: both give the same values, and both are seen by
whoever listens for statements (tracing, the statement counts of other tests)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import col

from domain.auth.organizations import organizations_by_id
from domain.errors import validated
from domain.jobs.models import Job, JobSkill
from domain.jobs.queries import JOB_SEARCH_COLUMNS, JobFilter, job_search, skills_of_jobs
from domain.pagination import PageRequest, keyset_page
from domain.skills.models import Skill as SkillRow
from schema.ids import from_global_id
from tests.factories import OSAKA_KITA, create_job, job_input, skill_gid
from tests.graphql_client import register
from tests.sql_listening import statements_sent


def dumped(found: dict[Any, Any]) -> dict[Any, Any]:
    """Loaded values as plain data: lists of skill links, or rows."""
    return {
        key: [(link.min_level, link.required, link.skill.model_dump()) for link in value]
        if isinstance(value, list)
        else value.model_dump()
        for key, value in found.items()
    }


async def test_the_driver_and_sqlalchemy_read_the_same_values(client, services) -> None:
    hr = await register(client, "hr.compiled@example.com", "EMPLOYER", "倉庫KK")
    skills = [
        {"skillId": skill_gid("forklift-operation"), "minLevel": 2},
        {"skillId": skill_gid("picking"), "minLevel": 1, "required": False},
    ]
    job = await create_job(client, hr.token, publish=True, **job_input(skills=skills))
    job_id = from_global_id(job["id"])[1]
    database = services.database
    async with database.session() as session:
        organization_id = (await session.get(Job, job_id)).organization_id  # type: ignore[union-attr]

    sent: list[str] = []
    with statements_sent(database.engine, lambda sql, parameters: sent.append(sql)):
        async with database.read_connection() as connection:  # no transaction: the driver
            on_driver = (
                await skills_of_jobs(connection, [job_id]),
                await organizations_by_id(connection, [organization_id]),
            )
        async with database.session() as session:  # a transaction: SQLAlchemy
            through_sqlalchemy = (
                await skills_of_jobs(session, [job_id]),
                await organizations_by_id(session, [organization_id]),
            )

    assert [dumped(found) for found in on_driver] == [dumped(found) for found in through_sqlalchemy]
    links = on_driver[0][job_id]
    assert [(link.min_level, link.required, link.skill.slug) for link in links] == [
        (2, True, "forklift-operation"),
        (1, False, "picking"),
    ]
    assert on_driver[1][organization_id].name == "倉庫KK"
    assert len([sql for sql in sent if "FROM job_skills" in sql]) == 2
    assert len([sql for sql in sent if "FROM organizations" in sql]) == 2


FORKLIFT = from_global_id(skill_gid("forklift-operation"))[1]
PICKING = from_global_id(skill_gid("picking"))[1]
SEARCHES: list[dict[str, Any]] = [
    {},
    {"prefecture": "OSAKA"},
    {"text": "50%_off"},  # the second job has its grams, not its text: LIKE wildcards escaped
    {"text": "倉庫 ピッキング"},
    {"skills": {"skill_ids": [FORKLIFT], "match": "ALL", "level": 3}},
    {"skills": {"skill_ids": [FORKLIFT, PICKING], "match": "ANY"}},
    {"near": {"lat": 35.6938, "lon": 139.7034, "km": 5}},
    {"pay_at_least": {"amount": 1500, "period": "HOURLY"}},
    {"employment_types": ["PART_TIME", "SHIFT"]},
    {"remote": True},
    {"night_shift": False, "weekends_only": False},
    {"starts_from": "2020-01-01", "prefecture": "TOKYO", "remote": False},
]


async def test_a_compiled_search_page_reads_what_the_orm_reads(client, services) -> None:
    """A jobs search is compiled once per shape and sent to the driver with its values
    (`PageQuery`): for every kind of filter, it finds exactly the rows SQLAlchemy's ORM
    finds running the same search, and the escaped text finds only what it says."""
    hr = await register(client, "hr.search@example.com", "EMPLOYER", "検索KK")
    picking = [{"skillId": skill_gid("picking"), "minLevel": 1}]
    for overrides in (
        {"title": "Sale: 50%_off shifts"},
        {"title": "Sale: 50% then %_off", "location": OSAKA_KITA, "remote": True},
        {
            "employmentType": "PART_TIME",
            "skills": picking,
            "pay": {"min": 1500, "max": 1900, "period": "HOURLY"},
        },
        {"skills": [{"skillId": skill_gid("forklift-operation"), "minLevel": 4}]},
    ):
        await create_job(client, hr.token, publish=True, **job_input(**overrides))
    read = services.database.read_session
    for filters in SEARCHES:
        search = job_search(validated(JobFilter, filters))
        request = PageRequest(first=10)
        compiled = await keyset_page(
            read, search, Job.created_at, Job.id, request, read_only_leaving_out=JOB_SEARCH_COLUMNS
        )
        orm = await keyset_page(read, search, Job.created_at, Job.id, request)
        assert [job.id for job in compiled.items] == [job.id for job in orm.items], filters
        assert [job.title for job in compiled.items] == [job.title for job in orm.items]
    found = await keyset_page(
        read,
        job_search(validated(JobFilter, {"text": "50%_off"})),
        Job.created_at,
        Job.id,
        PageRequest(first=10),
        read_only_leaving_out=JOB_SEARCH_COLUMNS,
    )
    assert [job.title for job in found.items] == ["Sale: 50%_off shifts"]


def shown(min_level: int, required: bool, skill: SkillRow) -> tuple[Any, ...]:
    """A skill link as a page shows it."""
    names = (skill.slug, skill.sector, skill.name_en, skill.name_ja)
    return (min_level, required, skill.id, *names, skill.aliases_en, skill.aliases_ja)


async def test_jobs_sharing_skills_each_get_their_links_in_order(client, services) -> None:
    """One read of several jobs that link the same skills in different orders: a skill's
    columns come once per read (on its first link), and every link still shows its own
    level, flag and skill, in each employer's order, as the ORM reads them."""
    hr = await register(client, "hr.links@example.com", "EMPLOYER", "順序KK")
    orders = [
        ["forklift-operation", "picking", "python"],
        ["python", "forklift-operation"],
        [],
        ["picking", "python", "forklift-operation"],
    ]
    job_ids = []
    for index, slugs in enumerate(orders):
        skills = [
            {"skillId": skill_gid(slug), "minLevel": 1 + (index + n) % 5, "required": n % 2 == 0}
            for n, slug in enumerate(slugs)
        ]
        job = await create_job(client, hr.token, publish=True, **job_input(skills=skills))
        job_ids.append(from_global_id(job["id"])[1])
    async with services.database.read_connection() as connection:
        found = await skills_of_jobs(connection, job_ids)
    async with services.database.session() as session:
        rows = await session.execute(
            select(JobSkill, SkillRow)
            .join(SkillRow, col(SkillRow.id) == col(JobSkill.skill_id))
            .where(col(JobSkill.job_id).in_(job_ids))
            .order_by(col(JobSkill.position))
        )
        expected: dict[Any, list[tuple[Any, ...]]] = {job_id: [] for job_id in job_ids}
        for link, skill in rows.all():
            expected[link.job_id].append(shown(link.min_level, link.required, skill))
    assert {
        job_id: [shown(link.min_level, link.required, link.skill) for link in links]
        for job_id, links in found.items()
    } == expected
    assert [[link.skill.slug for link in found[job_id]] for job_id in job_ids] == orders


async def test_skill_links_are_shared_until_their_skill_changes(client, services) -> None:
    """Reads of the same links give the same link and skill row objects (one GraphQL object
    each, `schema/shown.py`); a skill whose row changed is read anew, never the old one."""
    hr = await register(client, "hr.shared@example.com", "EMPLOYER", "共有KK")
    job = await create_job(client, hr.token, publish=True, **job_input())
    job_id = from_global_id(job["id"])[1]
    database = services.database
    async with database.read_connection() as connection:
        (first,) = (await skills_of_jobs(connection, [job_id]))[job_id]
        (again,) = (await skills_of_jobs(connection, [job_id]))[job_id]
    assert again is first and first.skill.slug == "forklift-operation"

    async with database.session() as session:
        skill = await session.get(SkillRow, first.skill.id)
        name = skill.name_en
        skill.name_en = "Forklift (renamed)"
        await session.commit()
    try:
        async with database.read_connection() as connection:
            (changed,) = (await skills_of_jobs(connection, [job_id]))[job_id]
        assert changed is not first and changed.skill.name_en == "Forklift (renamed)"
        assert (changed.min_level, changed.required) == (first.min_level, first.required)
    finally:  # the taxonomy is shared by the tests
        async with database.session() as session:
            (await session.get(SkillRow, first.skill.id)).name_en = name
            await session.commit()
