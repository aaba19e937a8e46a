"""Workers create and edit their own profile; the input is checked field by field."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from domain.profiles.models import WorkerProfile, WorkerSkill
from tests.factories import (
    CREATE_PROFILE,
    OSAKA_KITA,
    UPDATE_PROFILE,
    create_profile,
    profile_input,
    skill_gid,
)
from tests.graphql_client import data, error_codes, gql, register


@pytest.fixture
async def worker(client):
    return await register(client, "linh@example.com")


async def profile_rows(services) -> tuple[int, int]:
    async with services.database.session() as session:
        profiles = (
            await session.execute(select(func.count()).select_from(WorkerProfile))
        ).scalar_one()
        skills = (await session.execute(select(func.count()).select_from(WorkerSkill))).scalar_one()
    return profiles, skills


async def test_worker_creates_their_profile(client, worker):
    profile = await create_profile(client, worker.token)
    assert profile["displayName"] == "linh"
    assert profile["skills"] == [
        {"skill": {"slug": "forklift-operation"}, "level": 4, "years": 5.0}
    ]
    assert profile["languages"] == [
        {"code": "ja", "level": "N2"},
        {"code": "vi", "level": "NATIVE"},
    ]
    assert profile["workAuthorization"] == {
        "residenceStatus": "SPECIFIED_SKILLED_WORKER_1",
        "expiresOn": "2028-03-31",
    }
    me = data(await gql(client, "{ me { workerProfile { id headline } } }", token=worker.token))
    assert me["me"]["workerProfile"] == {"id": profile["id"], "headline": profile["headline"]}


async def test_second_profile_is_refused(client, services, worker):
    await create_profile(client, worker.token)
    payload = data(await gql(client, CREATE_PROFILE, {"input": profile_input()}, worker.token))
    assert [e["code"] for e in payload["createWorkerProfile"]["errors"]] == ["ALREADY_EXISTS"]
    assert await profile_rows(services) == (1, 1)


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"headline": ""}, "headline", "TOO_SHORT"),
        ({"headline": "x" * 121}, "headline", "TOO_LONG"),
        ({"bio": "x" * 3001}, "bio", "TOO_LONG"),
        (
            {"skills": [{"skillId": skill_gid("picking"), "level": 0}]},
            "skills.0.level",
            "OUT_OF_RANGE",
        ),
        (
            {"skills": [{"skillId": skill_gid("picking"), "level": 3, "years": -1}]},
            "skills.0.years",
            "OUT_OF_RANGE",
        ),
        (
            {"languages": [{"code": "ja", "level": "N1"}, {"code": "ja", "level": "N2"}]},
            "languages",
            "INVALID",
        ),
        ({"location": {**OSAKA_KITA, "lat": -100}}, "location.lat", "OUT_OF_RANGE"),
        ({"travelRadiusKm": 501}, "travelRadiusKm", "OUT_OF_RANGE"),
        ({"desiredPay": {"amount": -100, "period": "HOURLY"}}, "desiredPay.amount", "OUT_OF_RANGE"),
        (
            {"workAuthorization": {"residenceStatus": "STUDENT"}},
            "workAuthorization.expiresOn",
            "REQUIRED",
        ),
        (
            {
                "workAuthorization": {
                    "residenceStatus": "JAPANESE_NATIONAL",
                    "expiresOn": "2030-01-01",
                }
            },
            "workAuthorization.expiresOn",
            "INVALID",
        ),
        (
            {"weeklyAvailability": [{"day": "SUN", "start": "10:00", "end": "10:00"}]},
            "weeklyAvailability.0.end",
            "INVALID",
        ),
    ],
)
async def test_bad_profile_input_writes_nothing(client, services, worker, overrides, field, code):
    payload = data(
        await gql(client, CREATE_PROFILE, {"input": profile_input(**overrides)}, worker.token)
    )["createWorkerProfile"]
    assert payload["worker"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, code)]
    assert await profile_rows(services) == (0, 0)


async def test_night_shift_availability_runs_past_midnight(client, worker):
    night = [{"day": "FRI", "start": "22:00", "end": "06:00"}]
    profile = await create_profile(client, worker.token, weeklyAvailability=night)
    assert profile["weeklyAvailability"] == night


async def test_edit_changes_only_what_was_sent_and_null_clears(client, worker):
    before = await create_profile(client, worker.token)
    payload = data(
        await gql(
            client,
            UPDATE_PROFILE,
            {
                "input": {
                    "headline": "倉庫リーダー",
                    "desiredPay": None,
                    "skills": [{"skillId": skill_gid("picking"), "level": 5, "years": 8}],
                }
            },
            worker.token,
        )
    )["updateWorkerProfile"]
    assert payload["errors"] == []
    after = payload["worker"]
    assert after["headline"] == "倉庫リーダー"
    assert after["desiredPay"] is None
    assert after["skills"] == [{"skill": {"slug": "picking"}, "level": 5, "years": 8.0}]
    for unchanged in ("bio", "location", "languages", "workAuthorization", "weeklyAvailability"):
        assert after[unchanged] == before[unchanged]


async def test_bad_edit_changes_nothing(client, worker):
    before = await create_profile(client, worker.token)
    payload = data(
        await gql(
            client,
            UPDATE_PROFILE,
            {
                "input": {
                    "headline": "Changed",
                    "skills": [{"skillId": skill_gid("picking"), "level": 9}],
                }
            },
            worker.token,
        )
    )["updateWorkerProfile"]
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        ("skills.0.level", "OUT_OF_RANGE")
    ]
    me = data(await gql(client, "{ me { workerProfile { headline } } }", token=worker.token))
    assert me["me"]["workerProfile"]["headline"] == before["headline"]


async def test_only_workers_have_profiles(client):
    employer = await register(client, "hr@example.com", "EMPLOYER", "KK")
    result = await gql(client, CREATE_PROFILE, {"input": profile_input()}, employer.token)
    assert error_codes(result) == ["FORBIDDEN"]
    assert error_codes(await gql(client, CREATE_PROFILE, {"input": profile_input()})) == [
        "UNAUTHENTICATED"
    ]


async def test_editing_a_missing_profile_is_not_found(client, worker):
    result = await gql(client, UPDATE_PROFILE, {"input": {"headline": "x"}}, worker.token)
    assert error_codes(result) == ["NOT_FOUND"]
