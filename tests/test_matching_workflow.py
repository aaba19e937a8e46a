"""The engine at work: publishing a job or saving a profile ranks candidates in the
background and stores the best as explained SUGGESTED matches."""

from __future__ import annotations

import pytest

from tests.background import run_jobs
from tests.factories import (
    OSAKA_KITA,
    TOKYO_SHINJUKU,
    UPDATE_JOB,
    create_job,
    create_profile,
    skill_gid,
)
from tests.graphql_client import data, error_codes, gql, register, shown_by_node
from tests.observability_helpers import scrape, value

RECOMMENDED = """
query($job: ID!) {
  recommendedWorkers(jobId: $job, first: 10) {
    edges { node { id status origin score breakdown explanationEn explanationJa
                   worker { headline } } }
  }
}
"""
JOB_STATUS = "query($id: ID!) { node(id: $id) { ... on Job { matchingStatus matchedAt } } }"


@pytest.fixture
async def world(client):
    employer = await register(client, "hr@engine.example", "EMPLOYER", "Engine KK")
    near = await register(client, "near@example.com")
    await create_profile(client, near.token, headline="Near forklift pro")
    novice = await register(client, "novice@example.com")
    await create_profile(
        client,
        novice.token,
        headline="Near novice",
        skills=[{"skillId": skill_gid("picking"), "level": 1, "years": 0}],
    )
    far = await register(client, "far@example.com")
    await create_profile(
        client, far.token, headline="Far away", location=OSAKA_KITA, travelRadiusKm=10
    )
    return {"employer": employer, "near": near, "novice": novice, "far": far}


async def recommended(client, token, job_id) -> list[dict]:
    result = data(await gql(client, RECOMMENDED, {"job": job_id}, token))
    return [edge["node"] for edge in result["recommendedWorkers"]["edges"]]


async def test_publishing_ranks_workers_best_first_with_explanations(client, services, world):
    token = world["employer"].token
    job = await create_job(client, token, publish=True, location=TOKYO_SHINJUKU)
    pending = data(await gql(client, JOB_STATUS, {"id": job["id"]}, token))["node"]
    assert pending["matchingStatus"] == "PENDING"
    await run_jobs(services)
    done = data(await gql(client, JOB_STATUS, {"id": job["id"]}, token))["node"]
    assert done["matchingStatus"] == "DONE" and done["matchedAt"]

    matches = await recommended(client, token, job["id"])
    headlines = [m["worker"]["headline"] for m in matches]
    assert headlines[0] == "Near forklift pro"
    assert "Far away" not in headlines  # out of travel radius: a hard constraint
    assert [m["score"] for m in matches] == sorted((m["score"] for m in matches), reverse=True)
    best = matches[0]
    assert (best["status"], best["origin"]) == ("SUGGESTED", "ENGINE")
    assert 0 < best["score"] <= 1 and set(best["breakdown"]) >= {"skills", "distance"}
    assert best["explanationEn"] and best["explanationJa"]


async def test_re_ranking_updates_instead_of_duplicating(client, services, world):
    token = world["employer"].token
    job = await create_job(client, token, publish=True)
    await run_jobs(services)
    first = {m["worker"]["headline"]: m["id"] for m in await recommended(client, token, job["id"])}
    await gql(
        client, UPDATE_JOB, {"input": {"id": job["id"], "title": "Forklift driver (edited)"}}, token
    )
    await run_jobs(services)
    second = {m["worker"]["headline"]: m["id"] for m in await recommended(client, token, job["id"])}
    assert second == first


async def test_the_worker_sees_the_suggestion_and_applying_keeps_the_match(client, services, world):
    job = await create_job(client, world["employer"].token, publish=True)
    await run_jobs(services)
    worker = world["near"].token
    mine = data(
        await gql(
            client,
            """{ recommendedJobs(first: 5) {
        edges { node { id status job { id } explanationJa } } } }""",
            token=worker,
        )
    )
    suggestion = mine["recommendedJobs"]["edges"][0]["node"]
    assert suggestion["job"]["id"] == job["id"] and suggestion["status"] == "SUGGESTED"
    applied = data(
        await gql(
            client,
            """mutation($input: ApplyToJobInput!) {
        applyToJob(input: $input) { match { id status origin } errors { code } } }""",
            {"input": {"jobId": job["id"]}},
            worker,
        )
    )["applyToJob"]
    assert applied["match"] == {"id": suggestion["id"], "status": "APPLIED", "origin": "ENGINE"}


async def test_a_profile_edit_ranks_jobs_for_that_worker(client, services, world):
    job = await create_job(client, world["employer"].token, publish=True)
    await run_jobs(services)
    newcomer = await register(client, "newcomer@example.com")
    profile = await create_profile(client, newcomer.token, headline="Newcomer")
    await run_jobs(services)
    status = data(
        await gql(
            client,
            "query($id: ID!) { node(id: $id) { ... on Worker { matchingStatus } } }",
            {"id": profile["id"]},
            newcomer.token,
        )
    )["node"]
    assert status["matchingStatus"] == "DONE"
    mine = data(
        await gql(
            client, "{ recommendedJobs { edges { node { job { id } } } } }", token=newcomer.token
        )
    )
    assert [e["node"]["job"]["id"] for e in mine["recommendedJobs"]["edges"]] == [job["id"]]


EVERY_MATCH_FIELD = """
fragment Shown on Match {
  status origin score breakdown explanationEn explanationJa createdAt updatedAt
  explanation(locale: "en") inJapanese: explanation job { id title }
}
"""


async def test_a_suggestions_page_reads_what_its_selection_shows(client, services, world):
    """Only the columns a page shows are read (`Match.columns_for`): every field of a
    suggestion, on both sides' pages, all together and one at a time through aliases and
    fragments, has the value `node` (which reads every column) gives."""
    job = await create_job(client, world["employer"].token, publish=True)
    await run_jobs(services)
    pages = {
        "recommendedJobs": ("query", "recommendedJobs(first: 5)", world["near"].token),
        "recommendedWorkers": (
            "query($job: ID!)",
            "recommendedWorkers(jobId: $job, first: 5)",
            world["employer"].token,
        ),
    }
    for name, (operation, field, token) in pages.items():
        query = (
            EVERY_MATCH_FIELD
            + f"{operation} {{ {field} {{ edges {{ node {{ id ...Shown }} }} }} }}"
        )
        variables = {"job": job["id"]} if "$job" in operation else None
        edges = data(await gql(client, query, variables, token))[name]["edges"]
        assert edges, name
        for edge in edges:
            match = edge["node"]
            assert await shown_by_node(client, EVERY_MATCH_FIELD, match["id"], token) == match
            for shown, key in (
                ("breakdown", "breakdown"),
                ('explanation(locale: "en")', "explanation"),
                ("explanation", "inJapanese"),
                ("explanationJa", "explanationJa"),
                ("createdAt", "createdAt"),
            ):
                one = (
                    f"{operation} {{ {field} {{ edges {{ node {{ id "
                    f"... on Node {{ ... on Match {{ it: {shown} }} }} }} }} }} }}"
                )
                got = data(await gql(client, one, variables, token))[name]["edges"]
                assert {e["node"]["id"]: e["node"]["it"] for e in got}[match["id"]] == match[key], (
                    name,
                    shown,
                )


SHOWN_JOB = """
fragment Shown on Job {
  title employmentType remote openings createdAt description
  location { prefecture city } pay { min max period }
  organization { id name kind trusted createdAt }
  skills { skill { slug } minLevel required }
}
"""


async def test_suggested_jobs_are_read_with_their_page_as_node_shows_them(client, services, world):
    """`recommendedJobs` reads each suggestion's job and the job's organisation in the
    page's own statement (the columns its selection shows) instead of asking their
    loaders (or the cache behind them): the jobs are exactly what `node` shows."""
    employer = world["employer"].token
    first = await create_job(client, employer, publish=True, title="一件目")
    second = await create_job(client, employer, publish=True, title="二件目", remote=True)
    await run_jobs(services)
    query = SHOWN_JOB + "{ recommendedJobs(first: 10) { edges { node { job { id ...Shown } } } } }"
    loaders = [
        {"name": "iworkz_dataloader_batch_size_count", "loader": loader}
        for loader in ("jobs_visible_to", "organizations_by_id")
    ]
    batches = [value(await scrape(client), **loader) for loader in loaders]
    edges = data(await gql(client, query, token=world["near"].token))["recommendedJobs"]["edges"]
    jobs = [edge["node"]["job"] for edge in edges]
    assert {job["id"] for job in jobs} == {first["id"], second["id"]}
    assert [value(await scrape(client), **loader) for loader in loaders] == batches
    for job in jobs:
        assert job == await shown_by_node(client, SHOWN_JOB, job["id"], employer)


async def test_suggestions_selected_twice_under_one_name_show_both_selections(
    client, services, world
) -> None:
    """A merged `recommendedJobs` (selected twice under one name) reads what both of its
    selections show, the suggestion's columns and its job's."""
    employer = world["employer"].token
    job = await create_job(client, employer, publish=True, title="二重選択")
    await run_jobs(services)
    query = """{
      recommendedJobs(first: 10) { edges { node { id job { id organization { id } } } } }
      recommendedJobs(first: 10) { edges { node { score job { title organization { name } } } } }
    }"""
    edges = data(await gql(client, query, token=world["near"].token))["recommendedJobs"]["edges"]
    shown = {edge["node"]["job"]["id"]: edge["node"] for edge in edges}
    organization = await shown_by_node(
        client, "fragment Shown on Job { organization { id name } }", job["id"], employer
    )
    assert organization["organization"]["name"] == "Engine KK"
    assert shown[job["id"]]["job"] == {
        "id": job["id"],
        "title": "二重選択",
        "organization": organization["organization"],
    }
    assert isinstance(shown[job["id"]]["score"], float)


async def test_suggestions_page_on_by_their_cursors_when_the_score_is_not_shown(
    client, services, world
) -> None:
    """A page's cursors are its sort key (the score) and id, read whatever the selection
    shows: paging one by one visits the suggestions of one big page, in its order."""
    employer = world["employer"].token
    for title in ("一", "二", "三"):
        await create_job(client, employer, publish=True, title=title)
    await run_jobs(services)
    token = world["near"].token
    page = "query($after: String) { recommendedJobs(first: %d, after: $after) { %s } }"
    whole = data(await gql(client, page % (10, "edges { node { id } }"), token=token))
    expected = [edge["node"]["id"] for edge in whole["recommendedJobs"]["edges"]]
    assert len(expected) == 3
    seen, after = [], None
    for _ in expected:
        shown = "edges { node { id } } pageInfo { endCursor }"
        one = data(await gql(client, page % (1, shown), {"after": after}, token))
        seen += [edge["node"]["id"] for edge in one["recommendedJobs"]["edges"]]
        after = one["recommendedJobs"]["pageInfo"]["endCursor"]
    assert seen == expected


async def test_suggested_jobs_need_a_profile_and_are_empty_before_any(client, services, world):
    """Without a worker profile there is nothing to suggest to: NOT_FOUND, no data. With a
    profile and no suggestions yet: an empty page."""
    query = "{ recommendedJobs(first: 5) { edges { node { id } } pageInfo { hasNextPage } } }"
    newcomer = await register(client, "no-profile@example.com")
    result = await gql(client, query, token=newcomer.token)
    assert error_codes(result) == ["NOT_FOUND"] and result["data"] is None
    await create_profile(client, newcomer.token, headline="Fresh")
    page = data(await gql(client, query, token=newcomer.token))["recommendedJobs"]
    assert page == {"edges": [], "pageInfo": {"hasNextPage": False}}


STAFFING = """query($ids: [ID!]!) { proposeStaffing(jobIds: $ids) {
    totalScore unfilledOpenings assignments { score job { id } worker { headline } } } }"""


async def test_staffing_proposal_fills_overlapping_shifts_without_double_booking(client, world):
    token = world["employer"].token
    shift = [{"day": "MON", "start": "09:00", "end": "17:00"}]
    jobs = [
        await create_job(
            client, token, publish=True, title=f"Shift {n}", employmentType="SHIFT", schedule=shift
        )
        for n in range(2)
    ]
    proposal = data(await gql(client, STAFFING, {"ids": [j["id"] for j in jobs]}, token))
    assignments = proposal["proposeStaffing"]["assignments"]
    workers = [a["worker"]["headline"] for a in assignments]
    assert len(workers) == len(set(workers)) == 2  # two shifts at once: two different people
    assert "Far away" not in workers
    assert {a["job"]["id"] for a in assignments} == {j["id"] for j in jobs}
    assert proposal["proposeStaffing"]["unfilledOpenings"] == 0


async def test_staffing_only_for_your_own_open_jobs(client, world):
    rival = await register(client, "hr@rival-staff.example", "EMPLOYER", "Rival")
    theirs = await create_job(client, rival.token, publish=True)
    result = await gql(client, STAFFING, {"ids": [theirs["id"]]}, world["employer"].token)
    assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert result["errors"][0]["extensions"]["fields"][0]["field"] == "jobIds.0"


async def test_the_matrices_load_every_candidate_in_chunks(client, services, world, monkeypatch):
    """The full build reads candidates a chunk at a time (bounded memory at 100k) and
    still sees every public profile and open job, each with its own skills."""
    import uuid

    import numpy as np
    from sqlalchemy import delete, select
    from sqlmodel import col

    from domain.ai.models import AiExtraction
    from domain.jobs.models import Job
    from domain.matching import service
    from domain.matching.short_text import encode
    from domain.profiles.models import WorkerProfile

    for _ in range(3):
        await create_job(client, world["employer"].token, publish=True)
    # Stored short-text embeddings for all but one profile and one job (not read yet).
    rng = np.random.default_rng(7)
    stored: dict[uuid.UUID, bytes] = {}
    async with services.database.session() as session, session.begin():
        await session.execute(delete(AiExtraction))
        profiles = sorted((await session.execute(select(col(WorkerProfile.id)))).scalars())
        jobs = sorted((await session.execute(select(col(Job.id)))).scalars())
        for column, ids in (("profile_id", profiles[1:]), ("job_id", jobs[1:])):
            for owner in ids:
                stored[owner] = encode(rng.standard_normal(512) / 23)
                session.add(
                    AiExtraction(
                        status="DONE",
                        version=1,
                        text_hash="x",
                        short_embedding=stored[owner],
                        **{column: owner},
                    )
                )
    async with services.database.session() as session:
        whole = await service.worker_records(session), await service.job_records(session)
        monkeypatch.setattr(service, "LOAD_CHUNK", 2)
        chunked = await service.worker_records(session), await service.job_records(session)
    assert [len(records) for records in whole] == [3, 3]
    assert sorted(chunked[0], key=lambda r: r.id) == sorted(whole[0], key=lambda r: r.id)
    assert sorted(chunked[1], key=lambda r: r.id) == sorted(whole[1], key=lambda r: r.id)
    assert all(record.skills for record in chunked[0] + chunked[1])
    vectors = {r.id: r.short_vector for r in chunked[0]} | {
        r.id: r.short_vector for r in chunked[1]
    }
    assert vectors == {record_id: stored.get(record_id) for record_id in vectors}
    assert sum(vector is not None for vector in vectors.values()) == 4  # 2 + 2 of 3 + 3
