"""Flat with data size: every list filter's page query can be answered from an index, and
no page uses OFFSET (issue 10, point 3).

The SQL is the real statement a GraphQL request sends (captured with its parameters),
explained with `EXPLAIN (FORMAT JSON)`. The test database is tiny, where a sequential
scan is rightly cheapest, so the plans are taken with `SET enable_seqscan = off`: that
asks whether an index is *usable* for the statement, not whether the planner would pick
it at this size. bench/perf (sizes 10k–1M) shows the planner does pick them at scale.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest

from tests.factories import TOKYO_SHINJUKU, create_job, create_profile, skill_gid
from tests.graphql_client import data, gql, register
from tests.sql_listening import statements_sent

FORKLIFT, PICKING = skill_gid("forklift-operation"), skill_gid("picking")
NEAR = {"lat": TOKYO_SHINJUKU["lat"], "lon": TOKYO_SHINJUKU["lon"], "km": 10}
SKILLS_ALL = {"skillIds": [FORKLIFT, PICKING], "match": "ALL"}
SKILLS_ANY = {"skillIds": [FORKLIFT, PICKING], "match": "ANY"}

JOB_FILTERS: dict[str, dict[str, Any]] = {
    "none": {},
    "prefecture": {"prefecture": "TOKYO"},
    "skills all": {"skills": SKILLS_ALL},
    "skills any": {"skills": {**SKILLS_ANY, "level": 3}},
    "text": {"text": "フォークリフト"},
    "near": {"near": NEAR},
    "pay": {"payAtLeast": {"amount": 1500, "period": "HOURLY"}},
    "employment type": {"employmentTypes": ["FULL_TIME"]},
    "prefecture and skill": {"prefecture": "TOKYO", "skills": SKILLS_ANY},
}
WORKER_FILTERS: dict[str, dict[str, Any]] = {
    "none": {},
    "prefecture": {"prefecture": "TOKYO"},
    "skills all": {"skills": {**SKILLS_ALL, "level": 2}},
    "skills any": {"skills": SKILLS_ANY},
    "text": {"text": "フォークリフト"},
    "near": {"near": NEAR},
    "pay": {"payAtMost": {"amount": 1500, "period": "HOURLY"}},
    "employment type": {"employmentTypes": ["FULL_TIME"]},
}
INDEXED_TABLES = {"jobs", "job_skills", "worker_profiles", "worker_skills", "matches"}
INDEX_NODES = {"Index Scan", "Index Only Scan", "Bitmap Index Scan"}


@pytest.fixture
def captured(services) -> Iterator[list[tuple[str, Any]]]:
    """Every statement the app sends, with its parameters."""
    statements: list[tuple[str, Any]] = []

    def record(statement: str, parameters: Any) -> None:
        statements.append((statement, parameters))

    with statements_sent(services.database.engine, record):
        yield statements


def plan_nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from plan_nodes(child)


async def explain(database_url: str, statement: str, parameters: Any) -> list[dict[str, Any]]:
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute("SET enable_seqscan = off")
        raw = await connection.fetchval(f"EXPLAIN (FORMAT JSON) {statement}", *parameters)
    finally:
        await connection.close()
    document = raw if isinstance(raw, list) else __import__("json").loads(raw)
    return list(plan_nodes(document[0]["Plan"]))


def page_statement(statements: list[tuple[str, Any]], table: str) -> tuple[str, Any]:
    """The page query: the one over `table` that orders and limits."""
    pages = [
        (sql, params)
        for sql, params in statements
        if f"FROM {table}" in sql and "ORDER BY" in sql and "LIMIT" in sql
    ]
    assert pages, [sql for sql, _ in statements]
    return pages[-1]


def assert_indexed(nodes: list[dict[str, Any]], statement: str, label: str) -> None:
    seq_scans = [
        n["Relation Name"]
        for n in nodes
        if n["Node Type"] == "Seq Scan" and n.get("Relation Name") in INDEXED_TABLES
    ]
    assert not seq_scans, (label, seq_scans, statement)
    assert INDEX_NODES & {n["Node Type"] for n in nodes}, (label, statement)
    assert "OFFSET" not in statement.upper(), (label, statement)


async def check(
    client,
    settings,
    captured,
    query: str,
    variables: dict,
    token: str | None,
    table: str,
    label: str,
) -> None:
    captured.clear()
    data(await gql(client, query, variables, token))
    statement, parameters = page_statement(captured, table)
    nodes = await explain(str(settings.database_url), statement, parameters or ())
    assert_indexed(nodes, statement, label)


JOBS = "query Jobs($filter: JobFilter, $after: String) { jobs(first: 5, filter: $filter, after: $after) { edges { cursor node { id } } } }"
WORKERS = "query Workers($filter: WorkerFilter) { workers(first: 5, filter: $filter) { edges { node { id } } } }"


async def test_every_job_filter_uses_an_index_and_no_offset(client, settings, captured) -> None:
    hr = await register(client, "hr@example.com", "EMPLOYER", "KK")
    for n in range(3):
        await create_job(client, hr.token, publish=True, title=f"フォークリフト {n}")
    for label, job_filter in JOB_FILTERS.items():
        await check(client, settings, captured, JOBS, {"filter": job_filter}, None, "jobs", label)
    # The next page too: the cursor becomes a keyset condition, not an OFFSET.
    first = data(await gql(client, JOBS, {"filter": {}}))
    after = first["jobs"]["edges"][0]["cursor"]
    await check(
        client,
        settings,
        captured,
        JOBS,
        {"filter": {}, "after": after},
        None,
        "jobs",
        "second page",
    )


async def test_every_worker_filter_uses_an_index_and_no_offset(client, settings, captured) -> None:
    for n in range(3):
        worker = await register(client, f"w{n}@example.com")
        await create_profile(client, worker.token)
    hr = await register(client, "hr@example.com", "EMPLOYER", "KK")
    for label, worker_filter in WORKER_FILTERS.items():
        await check(
            client,
            settings,
            captured,
            WORKERS,
            {"filter": worker_filter},
            hr.token,
            "worker_profiles",
            label,
        )


async def test_recommendations_use_an_index_and_no_offset(client, settings, captured) -> None:
    worker = await register(client, "w@example.com")
    await create_profile(client, worker.token)
    query = "query R { recommendedJobs(first: 5) { edges { node { id } } } }"
    await check(client, settings, captured, query, {}, worker.token, "matches", "recommendedJobs")
    hr = await register(client, "hr@example.com", "EMPLOYER", "KK")
    job = await create_job(client, hr.token, publish=True)
    query = (
        "query W($job: ID!) { recommendedWorkers(jobId: $job, first: 5) { edges { node { id } } } }"
    )
    await check(
        client,
        settings,
        captured,
        query,
        {"job": job["id"]},
        hr.token,
        "matches",
        "recommendedWorkers",
    )
    query = "query M { matches(first: 5) { edges { node { id } } } }"
    await check(client, settings, captured, query, {}, hr.token, "matches", "matches")
