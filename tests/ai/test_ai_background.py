"""Saved job ads and profiles are read again in the background (a real arq worker)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from domain.ai import saved
from domain.ai.models import AiExtraction, SubjectKind
from schema.ids import from_global_id
from tests.background import run_jobs
from tests.factories import (
    UPDATE_JOB,
    create_job,
    create_profile,
    skill_gid,
    transition_mutation,
)
from tests.graphql_client import data, gql, register
from workers.tasks import extract_saved_text

JOB_EXTRACTION = """
query($id: ID!) {
  node(id: $id) {
    ... on Job {
      aiExtraction {
        status version language draft requestedAt completedAt
        items { kind labelEn span { text } skill { slug } }
      }
    }
  }
}
"""
PROFILE_EXTRACTION = """
query { me { workerProfile { aiExtraction { status language items { kind skill { slug } } } } } }
"""
AD = "倉庫でのフォークリフト作業と玉掛け。時給1,400円〜1,700円。日本語能力試験N3以上。"


async def _extraction(client, job_id: str, token: str) -> dict[str, Any] | None:
    node = data(await gql(client, JOB_EXTRACTION, {"id": job_id}, token))["node"]
    result: dict[str, Any] | None = node["aiExtraction"]
    return result


async def test_a_saved_job_is_read_in_the_background_once_per_text(client, services) -> None:
    employer = await register(client, "hr@a.example", "EMPLOYER", "Org A")
    job = await create_job(client, employer.token, description=AD)
    assert await _extraction(client, job["id"], employer.token) is None  # not read yet

    await run_jobs(services)
    done = await _extraction(client, job["id"], employer.token)
    assert done is not None
    assert (done["status"], done["version"], done["language"]) == ("DONE", 1, "ja")
    slugs = {item["skill"]["slug"] for item in done["items"] if item["kind"] == "SKILL"}
    assert {"forklift-operation", "slinging"} <= slugs
    assert done["draft"]["pay"] == {"min": 1400, "max": 1700, "period": "HOURLY"}
    assert "description" not in done["draft"]  # the ad's own text stays on the job
    async with services.database.session() as session:
        row = (await session.execute(select(AiExtraction))).scalar_one()
        assert row.embedding is not None and len(row.embedding) == 512

    # Publishing changes the version, not the words: nothing is read again.
    publish = transition_mutation("publishJob")
    data(await gql(client, publish, {"input": {"id": job["id"]}}, employer.token))
    await run_jobs(services)
    published = await _extraction(client, job["id"], employer.token)
    assert published is not None
    assert (published["status"], published["version"]) == ("DONE", 2)
    assert published["completedAt"] == done["completedAt"]

    # New words: PENDING (visible on the job) until the worker has read them.
    changes = {
        "id": job["id"],
        "title": "Office cleaning",
        "description": "Cleaning of offices in Shinjuku at night.",
    }
    data(await gql(client, UPDATE_JOB, {"input": changes}, employer.token))
    job_pk = from_global_id(job["id"])[1]
    async with services.database.transaction(services.bus, services.queue) as uow:
        assert await saved.schedule_extraction(uow, SubjectKind.JOB, job_pk)
    pending = await _extraction(client, job["id"], employer.token)
    assert pending is not None and pending["status"] == "PENDING"
    await run_jobs(services)
    again = await _extraction(client, job["id"], employer.token)
    assert again is not None
    assert (again["status"], again["version"], again["language"]) == ("DONE", 3, "en")
    assert "forklift-operation" not in {i["skill"]["slug"] for i in again["items"] if i["skill"]}

    other = await register(client, "hr@b.example", "EMPLOYER", "Org B")
    assert await _extraction(client, job["id"], other.token) is None  # the owner's only


async def test_a_saved_profile_is_read_for_its_worker(client, services) -> None:
    worker = await register(client, "worker@example.com")
    await create_profile(
        client, worker.token, bio="倉庫でフォークリフト（経験5年）の仕事をしています。"
    )
    await run_jobs(services)
    found = data(await gql(client, PROFILE_EXTRACTION, token=worker.token))["me"]["workerProfile"]
    extraction = found["aiExtraction"]
    assert extraction["status"] == "DONE" and extraction["language"] == "ja"
    assert "forklift-operation" in {i["skill"]["slug"] for i in extraction["items"] if i["skill"]}


async def test_the_task_skips_stale_and_missing_texts_and_records_failures(
    client, services, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = {"services": services}
    assert await extract_saved_text(ctx, "JOB", str(uuid.uuid4()), "0" * 64) == "GONE"
    employer = await register(client, "hr@a.example", "EMPLOYER", "Org A")
    job = await create_job(client, employer.token, description=AD)
    job_pk = from_global_id(job["id"])[1]
    async with services.database.transaction(services.bus, services.queue) as uow:
        assert await saved.schedule_extraction(uow, SubjectKind.JOB, job_pk)
        assert not await saved.schedule_extraction(uow, SubjectKind.JOB, job_pk)  # queued once
    assert await extract_saved_text(ctx, "JOB", str(job_pk), "0" * 64) == "STALE"

    def broken(*args: Any) -> Any:
        raise RuntimeError("the rules tripped")

    monkeypatch.setattr(saved, "analyse", broken)
    async with services.database.session() as session:
        row = (await session.execute(select(AiExtraction))).scalar_one()
    assert await extract_saved_text(ctx, "JOB", str(job_pk), row.text_hash) == "FAILED"
    failed = await _extraction(client, job["id"], employer.token)
    assert failed is not None and failed["status"] == "FAILED" and failed["items"] == []
    async with services.database.session() as session:
        row = (await session.execute(select(AiExtraction))).scalar_one()
    assert row.error == "RuntimeError"


class _Queue:
    def __init__(self) -> None:
        self.jobs: list[tuple[str, str, dict[str, Any]]] = []

    async def enqueue(self, function: str, *, job_id: str, **kwargs: Any) -> None:
        self.jobs.append((function, job_id, kwargs))


async def test_the_short_text_is_embedded_for_matching_and_ranked_again(client, services) -> None:
    """Title and skill names (in the ad's language) are embedded and stored as float16;
    storing it queues the job's ranking again, and a skills-only edit is read again."""
    from domain.ai.embedding import embed
    from domain.matching.service import RANK_WORKERS_FOR_JOB
    from domain.matching.short_text import decode

    employer = await register(client, "hr@a.example", "EMPLOYER", "Org A")
    job = await create_job(client, employer.token, description=AD)
    job_pk = from_global_id(job["id"])[1]
    await run_jobs(services)
    async with services.database.session() as session:
        row = (await session.execute(select(AiExtraction))).scalar_one()
    assert row.short_embedding is not None and len(row.short_embedding) == 1024
    expected = embed(["倉庫内ピッキング・フォークリフト\nフォークリフト運転"])[0]
    assert float(decode(row.short_embedding).astype("float32") @ expected) > 0.99

    # A new skill, same words: read again (the skill names are part of the short text).
    changes = {
        "id": job["id"],
        "skills": [
            {"skillId": skill_gid("forklift-operation"), "minLevel": 2},
            {"skillId": skill_gid("picking"), "minLevel": 1},
        ],
    }
    data(await gql(client, UPDATE_JOB, {"input": changes}, employer.token))
    async with services.database.transaction(services.bus, services.queue) as uow:
        assert await saved.schedule_extraction(uow, SubjectKind.JOB, job_pk)
    async with services.database.session() as session:
        pending = (await session.execute(select(AiExtraction))).scalar_one()
    assert pending.status == "PENDING" and pending.text_hash != row.text_hash

    queue = _Queue()
    outcome = await saved.run_extraction(
        services.database.session, SubjectKind.JOB, job_pk, pending.text_hash, queue=queue
    )
    assert outcome == "DONE"
    assert queue.jobs == [
        (
            RANK_WORKERS_FOR_JOB,
            f"rank-job:{job_pk}:{pending.version}:read",
            {"job": str(job_pk), "version": pending.version},
        )
    ]
    async with services.database.session() as session:
        done = (await session.execute(select(AiExtraction))).scalar_one()
    assert done.short_embedding is not None and done.short_embedding != row.short_embedding
    # Stale or failed readings queue nothing.
    assert (
        await saved.run_extraction(
            services.database.session, SubjectKind.JOB, job_pk, "0" * 64, queue=queue
        )
        == "STALE"
    )
    assert len(queue.jobs) == 1
