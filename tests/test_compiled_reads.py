"""`CompiledRead` sends its statement to asyncpg itself on a lent read connection and
through SQLAlchemy inside a transaction: both give the same values, and both are seen by
whoever listens for statements (tracing, the statement counts of other tests)."""

from __future__ import annotations

from typing import Any

from domain.auth.organizations import organizations_by_id
from domain.jobs.models import Job
from domain.jobs.queries import skills_of_jobs
from schema.ids import from_global_id
from tests.factories import create_job, job_input, skill_gid
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
