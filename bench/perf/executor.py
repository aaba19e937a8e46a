"""Point 2: executor cost per resolved field, data already in memory (no database).

One page of 100 jobs (`operations.JOBS_PAGE`: organisation and two skills each) is
answered by:

- `hand-written`: the same JSON built by hand from the rows, then `orjson.dumps`;
- `graphql-core`: graphql-core's `execute` on the same SDL with default resolvers over
  nested dicts (what the executor costs with nothing of ours in it);
- `strawberry`: our schema on strawberry's own executor (`FAST_EXECUTION=false`);
- `fast`: our schema on `schema.fast_execution.FastExecutionContext`.

For the two strawberry variants both the executor alone (pre-parsed document) and
`schema.execute` (parse, validation, extensions, execution) are timed. The `jobs` root
resolver is given the page from memory; everything below it is the real schema code
(`Job.from_row`, the `organization`/`skills` resolvers and their DataLoaders).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import graphql
import orjson
from asyncpg.pgproto.pgproto import UUID as DriverUUID
from strawberry.dataloader import DataLoader
from strawberry.execution.is_awaitable import optimized_is_awaitable

import domain.jobs.queries as job_queries
from bench.perf.operations import JOBS_PAGE
from dataloaders.primed import PrimedCache
from domain.jobs.queries import SkillLink
from domain.pagination import Page, encode_cursor
from schema.fast_execution import FastExecutionContext
from schema.ids import to_global_id
from schema.schema import build_schema
from server.garbage_collection import tune_for_serving

PAGE = 100
VARIABLES = {"prefecture": "TOKYO", "skill": to_global_id("Skill", uuid.UUID(int=1)), "first": PAGE}


def driver_uuid(number: int) -> uuid.UUID:
    """A UUID of the class asyncpg gives for a `uuid` column (and SQLAlchemy passes on):
    a C subclass of `uuid.UUID`, equal to it, whose hash and `str` are not Python calls."""
    return DriverUUID(str(uuid.UUID(int=number)))


def make_rows(n: int = PAGE) -> dict[str, Any]:
    """Rows shaped like the ORM's: jobs, their organisations and skill links, their ids
    of the driver's UUID class."""
    now = datetime(2026, 11, 1, tzinfo=UTC)
    orgs = [
        SimpleNamespace(
            id=driver_uuid(1000 + i),
            name=f"Org {i}",
            kind="EMPLOYER",
            trusted_at=None,
            created_at=now,
        )
        for i in range(10)
    ]
    skills = [
        SimpleNamespace(
            id=driver_uuid(i + 1),
            slug=f"skill-{i}",
            sector="LOGISTICS",
            name_en=f"Skill {i}",
            name_ja=f"スキル{i}",
            aliases_en=[],
            aliases_ja=[],
        )
        for i in range(5)
    ]
    jobs = [
        SimpleNamespace(
            id=driver_uuid(10_000 + i),
            organization_id=orgs[i % 10].id,
            title=f"倉庫内ピッキング {i}",
            description="物流センターでの作業です。",
            employment_type="FULL_TIME",
            remote=False,
            prefecture="TOKYO",
            city="新宿区",
            lat=35.69,
            lon=139.70,
            pay_min=1300,
            pay_max=1600,
            pay_period="HOURLY",
            languages=[{"code": "ja", "level": "N3"}],
            schedule=[{"day": "MON", "start": "09:00", "end": "18:00"}],
            openings=2,
            start_date=None,
            required_credential_types=[],
            status="OPEN",
            created_at=now.replace(microsecond=i),
            updated_at=None,
            published_at=now,
            matching_status="IDLE",
            matched_at=None,
        )
        for i in range(n)
    ]
    links = {
        job.id: [SkillLink(2, True, skills[i % 5]), SkillLink(1, False, skills[(i + 1) % 5])]  # type: ignore[arg-type]
        for i, job in enumerate(jobs)
    }
    return {"jobs": jobs, "orgs": {o.id: o for o in orgs}, "links": links}


def in_memory_context(rows: dict[str, Any]) -> SimpleNamespace:
    async def orgs(keys: list[uuid.UUID]) -> list[Any]:
        return [rows["orgs"][k] for k in keys]

    async def links(keys: list[uuid.UUID]) -> list[Any]:
        return [rows["links"][k] for k in keys]

    loaders = SimpleNamespace(  # with the app's cache (`dataloaders.loaders.Loaders._batched`)
        organization=DataLoader(load_fn=orgs, cache_map=PrimedCache()),
        job_skills=DataLoader(load_fn=links, cache_map=PrimedCache()),
    )
    services = SimpleNamespace(
        database=SimpleNamespace(session=None, read_session=None, read_connection=None),
        redis=None,
    )
    return SimpleNamespace(loaders=loaders, principal=None, query_charge=None, services=services)


def serve_page_from_memory(rows: dict[str, Any]) -> None:
    """The `jobs` resolver's domain call answers from memory."""

    async def browse_jobs(*_args: Any, **_kwargs: Any) -> Page[Any]:
        async def count() -> int:
            return len(rows["jobs"])

        return Page(
            items=rows["jobs"],
            cursors=[encode_cursor(j.created_at, j.id) for j in rows["jobs"]],
            has_next_page=True,
            has_previous_page=False,
            count_total=count,
        )

    job_queries.browse_jobs = browse_jobs  # type: ignore[assignment]


def hand_written(rows: dict[str, Any]) -> bytes:
    """The response JSON, built by hand: the floor any executor is compared with."""
    edges = []
    for job in rows["jobs"]:
        org = rows["orgs"][job.organization_id]
        edges.append(
            {
                "cursor": encode_cursor(job.created_at, job.id),
                "node": {
                    "id": to_global_id("Job", job.id),
                    "title": job.title,
                    "employmentType": job.employment_type,
                    "remote": job.remote,
                    "openings": job.openings,
                    "createdAt": job.created_at.isoformat(),
                    "location": {"prefecture": job.prefecture, "city": job.city},
                    "pay": {"min": job.pay_min, "max": job.pay_max, "period": job.pay_period},
                    "organization": {"id": to_global_id("Organization", org.id), "name": org.name},
                    "skills": [
                        {
                            "skill": {
                                "id": to_global_id("Skill", s.id),
                                "slug": s.slug,
                                "nameJa": s.name_ja,
                            },
                            "minLevel": min_level,
                            "required": required,
                        }
                        for min_level, required, s in rows["links"][job.id]
                    ],
                },
            }
        )
    last = rows["jobs"][-1]
    body = {
        "data": {
            "jobs": {
                "edges": edges,
                "pageInfo": {
                    "hasNextPage": True,
                    "endCursor": encode_cursor(last.created_at, last.id),
                },
            }
        }
    }
    return orjson.dumps(body)


def count_fields(value: Any) -> int:
    """Resolved fields in a result: every key of every object."""
    if isinstance(value, dict):
        return len(value) + sum(count_fields(v) for v in value.values())
    if isinstance(value, list):
        return sum(count_fields(v) for v in value)
    return 0


def timed(run: Callable[[], Any], repeat: int) -> float:
    """Best-of-5 mean seconds per call: the machine is shared, the minimum is the signal."""
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(repeat):
            run()
        best = min(best, (time.perf_counter() - started) / repeat)
    return best


def run_async(factory: Callable[[], Coroutine[Any, Any, Any]]) -> Callable[[], Any]:
    loop = asyncio.new_event_loop()
    return lambda: loop.run_until_complete(factory())


def measure(repeat: int = 30) -> dict[str, Any]:
    rows = make_rows()
    serve_page_from_memory(rows)
    fast_schema = build_schema(fast_execution=True)
    std_schema = build_schema(fast_execution=False)
    document = graphql.parse(JOBS_PAGE)

    def executor_only(schema: Any, executor_class: Any) -> Callable[[], Any]:
        async def run() -> Any:
            result = graphql.execute(
                schema._schema,
                document,
                context_value=in_memory_context(rows),
                variable_values=VARIABLES,
                executor_class=executor_class,
                is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
            )
            done: Any = await result if optimized_is_awaitable(result) else result  # type: ignore[misc]
            assert not done.errors, done.errors
            return done.data

        return run_async(run)

    def full(schema: Any) -> Callable[[], Any]:
        async def run() -> Any:
            result = await schema.execute(
                JOBS_PAGE, VARIABLES, context_value=in_memory_context(rows)
            )
            assert not result.errors, result.errors
            return result.data

        return run_async(run)

    reference = orjson.loads(hand_written(rows))["data"]
    core_schema = graphql.build_schema(std_schema.as_str())
    core_root = {"jobs": reference["jobs"]}

    def core() -> Any:
        result = graphql.execute(core_schema, document, core_root, variable_values=VARIABLES)
        assert not result.errors, result.errors  # type: ignore[union-attr]
        return result

    fields = count_fields(reference)
    variants = {
        "hand-written (dict + orjson)": lambda: hand_written(rows),
        "graphql-core execute, dicts": core,
        "strawberry executor": executor_only(std_schema, None),
        "fast executor": executor_only(fast_schema, FastExecutionContext),
        "strawberry schema.execute": full(std_schema),
        "fast schema.execute": full(fast_schema),
    }
    for name in ("strawberry executor", "fast executor", "fast schema.execute"):
        assert variants[name]() == reference, f"{name} differs from the reference JSON"
    results = {}
    for name, run in variants.items():
        seconds = timed(run, repeat)
        results[name] = {
            "ms": round(seconds * 1e3, 3),
            "us_per_field": round(seconds * 1e6 / fields, 3),
        }
    base = results["hand-written (dict + orjson)"]["ms"]
    for row in results.values():
        row["ratio"] = round(row["ms"] / base, 1)
    return {"fields": fields, "variants": results}


if __name__ == "__main__":
    import json

    # As `iworkz serve` runs (server/garbage_collection.py), every variant alike: with
    # the default thresholds a young collection every 700 allocations landed inside
    # whichever function allocated, and made up much of the per-field numbers.
    tune_for_serving()
    print(json.dumps(measure(), indent=2))
