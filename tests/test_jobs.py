"""Employers create, edit and move jobs through their lifecycle; nobody else can."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from domain.jobs.models import Job, JobSkill, JobStatusChange
from schema.ids import to_global_id
from tests.factories import (
    CREATE_JOB,
    NAGOYA,
    UPDATE_JOB,
    create_job,
    job_input,
    skill_gid,
    transition_mutation,
)
from tests.graphql_client import data, error_codes, gql, register


async def count(services, model) -> int:
    async with services.database.session() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


@pytest.fixture
async def employer(client):
    return await register(client, "hr@sakura.example", "EMPLOYER", "さくら物流")


async def test_employer_creates_a_draft_job_for_their_organisation(client, employer):
    job = await create_job(client, employer.token)
    assert job["status"] == "DRAFT"
    assert job["organization"]["name"] == "さくら物流"
    assert job["pay"] == {"min": 1300, "max": 1600, "period": "HOURLY"}
    assert job["location"]["prefecture"] == "TOKYO"
    assert job["skills"] == [
        {
            "skill": {
                "id": skill_gid("forklift-operation"),
                "slug": "forklift-operation",
                "nameEn": "Forklift operation",
                "nameJa": "フォークリフト運転",
            },
            "minLevel": 2,
            "required": True,
        }
    ]
    assert job["languages"] == [{"code": "ja", "level": "N3"}]
    assert job["publishedAt"] is None


async def test_remote_job_needs_no_location(client, employer):
    job = await create_job(client, employer.token, remote=True, location=None)
    assert job["remote"] is True and job["location"] is None


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        (
            {"skills": [{"skillId": to_global_id("Skill", __import__("uuid").uuid4())}]},
            "skills.0.skillId",
            "UNKNOWN_SKILL",
        ),
        (
            {"skills": [{"skillId": to_global_id("Job", __import__("uuid").uuid4())}]},
            "skills.0.skillId",
            "INVALID_ID",
        ),
        ({"skills": [{"skillId": "not-an-id"}]}, "skills.0.skillId", "INVALID_ID"),
        ({"pay": {"min": -1, "max": 1000, "period": "HOURLY"}}, "pay.min", "OUT_OF_RANGE"),
        ({"pay": {"min": 2000, "max": 1000, "period": "HOURLY"}}, "pay.min", "OUT_OF_RANGE"),
        ({"location": {**NAGOYA, "lat": 91}}, "location.lat", "OUT_OF_RANGE"),
        ({"location": {**NAGOYA, "lon": -181}}, "location.lon", "OUT_OF_RANGE"),
        ({"location": None}, "location", "REQUIRED"),
        ({"title": "x" * 121}, "title", "TOO_LONG"),
        ({"title": "   "}, "title", "TOO_SHORT"),
        ({"description": "x" * 5001}, "description", "TOO_LONG"),
        ({"openings": 0}, "openings", "OUT_OF_RANGE"),
        ({"languages": [{"code": "ja", "level": "B2"}]}, "languages.0.level", "INVALID"),
        ({"languages": [{"code": "en", "level": "N2"}]}, "languages.0.level", "INVALID"),
        ({"languages": [{"code": "japanese", "level": "N2"}]}, "languages.0.code", "INVALID"),
        (
            {"schedule": [{"day": "MON", "start": "25:00", "end": "18:00"}]},
            "schedule.0.start",
            "INVALID",
        ),
        (
            {"skills": [{"skillId": skill_gid("picking"), "minLevel": 6}]},
            "skills.0.minLevel",
            "OUT_OF_RANGE",
        ),
        (
            {"skills": [{"skillId": skill_gid("picking")}, {"skillId": skill_gid("picking")}]},
            "skills",
            "INVALID",
        ),
    ],
)
async def test_bad_job_input_is_a_user_error_and_writes_nothing(
    client, services, employer, overrides, field, code
):
    result = data(await gql(client, CREATE_JOB, {"input": job_input(**overrides)}, employer.token))
    payload = result["createJob"]
    assert payload["job"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, code)]
    assert all(e["message"] for e in payload["errors"])
    assert await count(services, Job) == 0
    assert await count(services, JobSkill) == 0


async def test_several_problems_are_reported_together(client, employer):
    bad = job_input(title="", pay={"min": -5, "max": 10, "period": "DAILY"})
    payload = data(await gql(client, CREATE_JOB, {"input": bad}, employer.token))["createJob"]
    assert {e["field"] for e in payload["errors"]} == {"title", "pay.min"}


async def test_only_employers_create_jobs(client):
    worker = await register(client, "worker@example.com")
    as_worker = await gql(client, CREATE_JOB, {"input": job_input()}, worker.token)
    assert error_codes(as_worker) == ["FORBIDDEN"]
    anonymous = await gql(client, CREATE_JOB, {"input": job_input()})
    assert error_codes(anonymous) == ["UNAUTHENTICATED"]


async def test_employer_cannot_create_for_another_organisation(client, employer):
    other = await register(client, "hr@other.example", "EMPLOYER", "Other KK")
    other_org = data(await gql(client, "{ me { organizations { id } } }", token=other.token))
    other_org_id = other_org["me"]["organizations"][0]["id"]
    result = await gql(
        client, CREATE_JOB, {"input": job_input(organizationId=other_org_id)}, employer.token
    )
    assert error_codes(result) == ["FORBIDDEN"]


async def transition(client, token, name, job_id) -> dict:
    return data(await gql(client, transition_mutation(name), {"input": {"id": job_id}}, token))[
        name
    ]


async def test_status_machine_walks_the_legal_path_and_records_it(client, services, employer):
    job = await create_job(client, employer.token)
    steps = [
        ("publishJob", "OPEN"),
        ("pauseJob", "PAUSED"),
        ("publishJob", "OPEN"),
        ("markJobFilled", "FILLED"),
    ]
    for mutation, status in steps:
        payload = await transition(client, employer.token, mutation, job["id"])
        assert payload["errors"] == []
        assert payload["job"]["status"] == status
    assert payload["job"]["publishedAt"] is not None
    assert await count(services, JobStatusChange) == 1 + len(steps)


@pytest.mark.parametrize(
    ("path", "illegal"),
    [
        ([], "pauseJob"),
        ([], "markJobFilled"),
        (["closeJob"], "publishJob"),
        (["publishJob", "markJobFilled"], "publishJob"),
        (["publishJob", "closeJob"], "pauseJob"),
        (["publishJob"], "publishJob"),
    ],
)
async def test_illegal_transition_is_a_user_error_and_changes_nothing(
    client, services, employer, path, illegal
):
    job = await create_job(client, employer.token)
    for mutation in path:
        assert (await transition(client, employer.token, mutation, job["id"]))["errors"] == []
    changes_before = await count(services, JobStatusChange)
    status_before = data(
        await gql(
            client,
            "query($id: ID!) { node(id: $id) { ... on Job { status } } }",
            {"id": job["id"]},
            employer.token,
        )
    )["node"]["status"]
    payload = await transition(client, employer.token, illegal, job["id"])
    assert payload["job"] is None
    assert [e["code"] for e in payload["errors"]] == ["ILLEGAL_TRANSITION"]
    status_after = data(
        await gql(
            client,
            "query($id: ID!) { node(id: $id) { ... on Job { status } } }",
            {"id": job["id"]},
            employer.token,
        )
    )["node"]["status"]
    assert status_after == status_before
    assert await count(services, JobStatusChange) == changes_before


async def test_publishing_needs_a_description(client, employer):
    job = await create_job(client, employer.token, description="")
    payload = await transition(client, employer.token, "publishJob", job["id"])
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("description", "REQUIRED")]


async def test_edit_changes_only_what_was_sent(client, employer):
    job = await create_job(client, employer.token)
    new_skills = [{"skillId": skill_gid("picking"), "minLevel": 1, "required": False}]
    payload = data(
        await gql(
            client,
            UPDATE_JOB,
            {"input": {"id": job["id"], "title": "ピッキングスタッフ", "skills": new_skills}},
            employer.token,
        )
    )["updateJob"]
    assert payload["errors"] == []
    updated = payload["job"]
    assert updated["title"] == "ピッキングスタッフ"
    assert [s["skill"]["slug"] for s in updated["skills"]] == ["picking"]
    assert updated["skills"][0]["required"] is False
    for unchanged in ("description", "pay", "location", "languages", "schedule", "status"):
        assert updated[unchanged] == job[unchanged]


async def test_bad_edit_changes_nothing(client, employer):
    job = await create_job(client, employer.token)
    payload = data(
        await gql(
            client,
            UPDATE_JOB,
            {
                "input": {
                    "id": job["id"],
                    "title": "New title",
                    "pay": {"min": 5, "max": 1, "period": "HOURLY"},
                }
            },
            employer.token,
        )
    )["updateJob"]
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("pay.min", "OUT_OF_RANGE")]
    node = data(
        await gql(
            client,
            "query($id: ID!) { node(id: $id) { ... on Job { title } } }",
            {"id": job["id"]},
            employer.token,
        )
    )["node"]
    assert node["title"] == job["title"]


async def test_closed_job_cannot_be_edited(client, employer):
    job = await create_job(client, employer.token)
    await transition(client, employer.token, "closeJob", job["id"])
    payload = data(
        await gql(client, UPDATE_JOB, {"input": {"id": job["id"], "title": "x"}}, employer.token)
    )["updateJob"]
    assert [e["code"] for e in payload["errors"]] == ["ILLEGAL_TRANSITION"]


async def test_another_employer_cannot_touch_the_job(client, employer):
    draft = await create_job(client, employer.token)
    published = await create_job(client, employer.token, publish=True)
    intruder = await register(client, "hr@rival.example", "EMPLOYER", "Rival")
    # A draft is invisible to others: the answer is the same as for an ID that does not exist.
    draft_attempt = await gql(
        client, UPDATE_JOB, {"input": {"id": draft["id"], "title": "x"}}, intruder.token
    )
    missing = await gql(
        client,
        UPDATE_JOB,
        {"input": {"id": to_global_id("Job", __import__("uuid").uuid4()), "title": "x"}},
        intruder.token,
    )
    assert error_codes(draft_attempt) == error_codes(missing) == ["NOT_FOUND"]
    assert draft_attempt["errors"][0]["message"] == missing["errors"][0]["message"]
    # A published job is public, so saying "forbidden" reveals nothing new.
    for mutation in ("pauseJob", "closeJob"):
        result = await gql(
            client,
            transition_mutation(mutation),
            {"input": {"id": published["id"]}},
            intruder.token,
        )
        assert error_codes(result) == ["FORBIDDEN"]
    result = await gql(
        client, UPDATE_JOB, {"input": {"id": published["id"], "title": "x"}}, intruder.token
    )
    assert error_codes(result) == ["FORBIDDEN"]


async def test_wrong_id_type_for_a_job_is_a_user_error(client, employer):
    payload = data(
        await gql(
            client,
            transition_mutation("publishJob"),
            {"input": {"id": skill_gid("picking")}},
            employer.token,
        )
    )["publishJob"]
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("id", "INVALID_ID")]
