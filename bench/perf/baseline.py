"""The hand-written baseline: Starlette + asyncpg, no GraphQL, no ORM, the same JSON.

Each endpoint answers one of `operations.OPERATIONS` with exactly the `data` the GraphQL
server returns for it (the harness checks this before timing), using the same SQL
shape (keyset page, then one batched query per related table) and the same cursor and
global-ID encoding. What it leaves out, and GraphQL pays for: parsing and validating
the document, the query-cost and depth limits, error shaping, and — for
`recommended_jobs` — verifying the bearer token (the baseline takes the profile id).

Run by the harness: `python -m bench.perf.baseline --port P` with DATABASE_URL set.
"""

from __future__ import annotations

import argparse
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.pagination import encode_cursor
from schema.ids import from_global_id, to_global_id

PAGE_SQL = """
SELECT id, title, employment_type, remote, openings, created_at, prefecture, city,
       pay_min, pay_max, pay_period, organization_id
FROM jobs j
WHERE status = 'OPEN' AND prefecture = $1
  AND id IN (SELECT job_id FROM job_skills WHERE skill_id = $2)
ORDER BY created_at DESC, id DESC LIMIT $3
"""
JOB_SQL = """
SELECT id, title, description, employment_type, remote, openings, created_at, prefecture,
       city, pay_min, pay_max, pay_period, organization_id
FROM jobs WHERE id = $1 AND status = 'OPEN'
"""
ORGS_SQL = "SELECT id, name FROM organizations WHERE id = ANY($1::uuid[])"
SKILLS_SQL = """
SELECT js.job_id, js.min_level, js.required, s.id, s.slug, s.name_ja
FROM job_skills js JOIN skills s ON s.id = js.skill_id
WHERE js.job_id = ANY($1::uuid[]) ORDER BY js.job_id, js.position
"""
MATCHES_SQL = """
SELECT m.id, m.score, m.status, m.explanation_en, m.job_id
FROM matches m JOIN jobs j ON j.id = m.job_id
WHERE m.profile_id = $1 AND m.status = ANY($2::text[]) AND j.status = 'OPEN'
ORDER BY m.score DESC, m.id DESC LIMIT $3
"""
MATCH_JOBS_SQL = """
SELECT id, title, pay_min, pay_max, pay_period, prefecture, city, organization_id
FROM jobs WHERE id = ANY($1::uuid[])
"""
ACTIVE = ["SUGGESTED", "APPLIED", "INVITED", "INTERVIEWING", "OFFERED"]


def json_response(data: dict[str, Any]) -> Response:
    return Response(orjson.dumps({"data": data}), media_type="application/json")


def location(row: Any) -> dict[str, Any] | None:
    if row["prefecture"] is None:
        return None
    return {"prefecture": row["prefecture"], "city": row["city"]}


def pay(row: Any) -> dict[str, Any]:
    return {"min": row["pay_min"], "max": row["pay_max"], "period": row["pay_period"]}


async def related(
    pool: asyncpg.Pool, job_ids: list[uuid.UUID], org_ids: set[uuid.UUID]
) -> tuple[dict[uuid.UUID, dict[str, Any]], dict[uuid.UUID, list[dict[str, Any]]]]:
    async with pool.acquire() as connection:
        orgs = {
            r["id"]: {"id": to_global_id("Organization", r["id"]), "name": r["name"]}
            for r in await connection.fetch(ORGS_SQL, list(org_ids))
        }
        skills: dict[uuid.UUID, list[dict[str, Any]]] = {job_id: [] for job_id in job_ids}
        for r in await connection.fetch(SKILLS_SQL, job_ids):
            skills[r["job_id"]].append(
                {
                    "skill": {
                        "id": to_global_id("Skill", r["id"]),
                        "slug": r["slug"],
                        "nameJa": r["name_ja"],
                    },
                    "minLevel": r["min_level"],
                    "required": r["required"],
                }
            )
    return orgs, skills


def job_node(row: Any, orgs: dict[uuid.UUID, Any], skills: dict[uuid.UUID, Any]) -> dict:
    node = {"id": to_global_id("Job", row["id"]), "title": row["title"]}
    if "description" in row:
        node["description"] = row["description"]
    node.update(
        employmentType=row["employment_type"],
        remote=row["remote"],
        openings=row["openings"],
        createdAt=row["created_at"].isoformat(),
        location=location(row),
        pay=pay(row),
        organization=orgs[row["organization_id"]],
        skills=skills[row["id"]],
    )
    return node


def page_info(has_next: bool, cursors: list[str]) -> dict[str, Any]:
    return {"hasNextPage": has_next, "endCursor": cursors[-1] if cursors else None}


async def jobs_page(request: Request) -> Response:
    pool = request.app.state.pool
    first = int(request.query_params.get("first", 100))
    _, skill = from_global_id(request.query_params["skill"])
    async with pool.acquire() as connection:
        rows = await connection.fetch(
            PAGE_SQL, request.query_params["prefecture"], skill, first + 1
        )
    has_next, rows = len(rows) > first, rows[:first]
    orgs, skills = await related(
        pool, [r["id"] for r in rows], {r["organization_id"] for r in rows}
    )
    cursors = [encode_cursor(r["created_at"], r["id"]) for r in rows]
    edges = [
        {"cursor": c, "node": job_node(r, orgs, skills)} for c, r in zip(cursors, rows, strict=True)
    ]
    return json_response({"jobs": {"edges": edges, "pageInfo": page_info(has_next, cursors)}})


async def node(request: Request) -> Response:
    pool = request.app.state.pool
    _, pk = from_global_id(request.query_params["id"])
    async with pool.acquire() as connection:
        row = await connection.fetchrow(JOB_SQL, pk)
    if row is None:
        return json_response({"node": None})
    orgs, skills = await related(pool, [row["id"]], {row["organization_id"]})
    return json_response({"node": job_node(row, orgs, skills)})


async def recommended_jobs(request: Request) -> Response:
    pool = request.app.state.pool
    first = int(request.query_params.get("first", 100))
    profile = uuid.UUID(request.query_params["profile"])
    async with pool.acquire() as connection:
        rows = await connection.fetch(MATCHES_SQL, profile, ACTIVE, first + 1)
        has_next, rows = len(rows) > first, rows[:first]
        jobs = {
            r["id"]: r for r in await connection.fetch(MATCH_JOBS_SQL, [r["job_id"] for r in rows])
        }
        orgs = {
            r["id"]: {"id": to_global_id("Organization", r["id"]), "name": r["name"]}
            for r in await connection.fetch(
                ORGS_SQL, list({j["organization_id"] for j in jobs.values()})
            )
        }
    cursors = [encode_cursor(r["score"], r["id"]) for r in rows]
    edges = []
    for cursor, r in zip(cursors, rows, strict=True):
        job = jobs[r["job_id"]]
        edges.append(
            {
                "cursor": cursor,
                "node": {
                    "id": to_global_id("Match", r["id"]),
                    "score": r["score"],
                    "status": r["status"],
                    "explanationEn": r["explanation_en"],
                    "job": {
                        "id": to_global_id("Job", job["id"]),
                        "title": job["title"],
                        "pay": pay(job),
                        "location": location(job),
                        "organization": orgs[job["organization_id"]],
                    },
                },
            }
        )
    return json_response(
        {"recommendedJobs": {"edges": edges, "pageInfo": page_info(has_next, cursors)}}
    )


def create_app(database_url: str) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # The same session settings as the app's connections (server/database.py): the
        # same plans, so the comparison is of everything but the SQL.
        app.state.pool = await asyncpg.create_pool(
            database_url,
            min_size=2,
            max_size=10,
            server_settings={"max_parallel_workers_per_gather": "0"},
        )
        yield
        await app.state.pool.close()

    return Starlette(
        routes=[
            Route("/jobs_page", jobs_page),
            Route("/node", node),
            Route("/recommended_jobs", recommended_jobs),
        ],
        lifespan=lifespan,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")
    uvicorn.run(create_app(url), host="127.0.0.1", port=args.port, log_level="warning")
