"""No N+1: a page costs the same, small number of SQL statements whatever its size."""

from __future__ import annotations

from tests.factories import create_job, create_profile, skill_gid
from tests.graphql_client import data, gql, register

JOB_PAGE = """
query($first: Int) {
  jobs(first: $first) {
    totalCount
    edges { node { id title pay { min max } organization { id name }
                   skills { skill { slug nameJa } minLevel required } } }
  }
}
"""

WORKER_PAGE = """
query($first: Int) {
  workers(first: $first) {
    totalCount
    edges { node { id headline displayName languages { code level }
                   skills { skill { slug nameEn } level years } } }
  }
}
"""


async def cold_cache(services) -> None:
    """Each count starts with nothing in the public cache: an organisation a first page
    cached is a statement fewer for the next page, whatever its size."""
    keys = [
        key
        async for key in services.redis.scan_iter(f"{services.settings.redis_key_prefix}cache:*")
    ]
    if keys:
        await services.redis.delete(*keys)


async def statements_for(
    services, client, sql_statements, query, first, token=None
) -> tuple[int, int]:
    await cold_cache(services)
    sql_statements.statements.clear()
    result = data(await gql(client, query, {"first": first}, token))
    edges = next(iter(result.values()))["edges"]
    return len(edges), sql_statements.count


async def test_job_page_statements_do_not_grow_with_page_size(client, services, sql_statements):
    employers = [
        await register(client, f"hr{n}@example.com", "EMPLOYER", f"Org {n}") for n in range(3)
    ]
    skills = [skill_gid(s) for s in ("forklift-operation", "picking", "python")]
    for n in range(24):
        await create_job(
            client,
            employers[n % 3].token,
            publish=True,
            title=f"Job {n}",
            skills=[{"skillId": skills[n % 3]}, {"skillId": skills[(n + 1) % 3]}],
        )
    small = await statements_for(services, client, sql_statements, JOB_PAGE, 3)
    large = await statements_for(services, client, sql_statements, JOB_PAGE, 24)
    assert (small[0], large[0]) == (3, 24)
    assert small[1] == large[1] <= 4  # page, count, organisations, skills


async def test_worker_page_statements_do_not_grow_with_page_size(client, services, sql_statements):
    for n in range(20):
        worker = await register(client, f"w{n}@example.com")
        await create_profile(client, worker.token, headline=f"Worker {n}")
    employer = await register(client, "hr@example.com", "EMPLOYER", "KK")
    small = await statements_for(services, client, sql_statements, WORKER_PAGE, 2, employer.token)
    large = await statements_for(services, client, sql_statements, WORKER_PAGE, 20, employer.token)
    assert (small[0], large[0]) == (2, 20)
    assert small[1] == large[1] <= 5  # caller, page, count, users, skills


# ---- issue 10's three hot operations (bench/perf/operations.py) --------------------------


async def _statements(
    services, client, sql_statements, query, variables, token=None
) -> tuple[int, int]:
    await cold_cache(services)
    sql_statements.statements.clear()
    result = data(await gql(client, query, variables, token))
    connection = next(iter(result.values()))
    return len(connection["edges"]) if "edges" in (connection or {}) else 1, sql_statements.count


async def test_hot_operations_statements_do_not_grow_with_page_size(
    client, services, sql_statements
):
    from sqlalchemy import text

    from bench.perf.operations import JOBS_PAGE, NODE, RECOMMENDED_JOBS

    hr = await register(client, "hr@example.com", "EMPLOYER", "KK")
    forklift = skill_gid("forklift-operation")
    jobs = [
        await create_job(
            client,
            hr.token,
            publish=True,
            title=f"Job {n}",
            skills=[{"skillId": forklift}, {"skillId": skill_gid("picking")}],
        )
        for n in range(12)
    ]
    worker = await register(client, "w@example.com")
    profile = await create_profile(client, worker.token)
    async with services.database.session() as session:  # suggestions, as the engine stores them
        await session.execute(
            text(
                "INSERT INTO matches (id, job_id, profile_id, origin, status, score, breakdown, "
                "explanation_en, explanation_ja, version, created_at) SELECT gen_random_uuid(), "
                "id, (SELECT id FROM worker_profiles LIMIT 1), 'ENGINE', 'SUGGESTED', random(), "
                "'{}'::jsonb, 'fit', '合う', 1, now() FROM jobs"
            )
        )
        await session.commit()
    assert profile["id"]
    page = {"prefecture": "TOKYO", "skill": forklift}
    small = await _statements(services, client, sql_statements, JOBS_PAGE, {**page, "first": 2})
    large = await _statements(services, client, sql_statements, JOBS_PAGE, {**page, "first": 12})
    assert (small[0], large[0]) == (2, 12)
    assert small[1] == large[1] <= 3  # page, organisations, skills
    assert (await _statements(services, client, sql_statements, NODE, {"id": jobs[0]["id"]}))[
        1
    ] <= 3
    small = await _statements(
        services, client, sql_statements, RECOMMENDED_JOBS, {"first": 2}, worker.token
    )
    large = await _statements(
        services, client, sql_statements, RECOMMENDED_JOBS, {"first": 12}, worker.token
    )
    assert (small[0], large[0]) == (2, 12)
    # the caller, then the page (with the caller's profile, the jobs and their organisations)
    assert small[1] == large[1] <= 2
