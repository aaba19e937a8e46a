"""Building jobs and profiles through the API, with sensible defaults a test can override."""

from __future__ import annotations

from typing import Any

import httpx

from domain.skills.taxonomy import skill_id_for
from schema.ids import to_global_id
from tests.graphql_client import data, gql

TOKYO_SHINJUKU = {"prefecture": "TOKYO", "city": "新宿区", "lat": 35.6938, "lon": 139.7034}
OSAKA_KITA = {"prefecture": "OSAKA", "city": "大阪市北区", "lat": 34.7055, "lon": 135.4983}
NAGOYA = {"prefecture": "AICHI", "city": "名古屋市", "lat": 35.1815, "lon": 136.9066}

JOB_FIELDS = """
id title description employmentType remote status openings startDate
requiredCredentialTypes createdAt publishedAt
location { prefecture city lat lon }
pay { min max period }
languages { code level }
schedule { day start end }
organization { id name }
skills { skill { id slug nameEn nameJa } minLevel required }
"""

CREATE_JOB = f"""
mutation CreateJob($input: CreateJobInput!) {{
  createJob(input: $input) {{ job {{ {JOB_FIELDS} }} errors {{ field code message }} }}
}}
"""

UPDATE_JOB = f"""
mutation UpdateJob($input: UpdateJobInput!) {{
  updateJob(input: $input) {{ job {{ {JOB_FIELDS} }} errors {{ field code message }} }}
}}
"""


def transition_mutation(name: str) -> str:
    return f"""
mutation T($input: JobIdInput!) {{
  {name}(input: $input) {{ job {{ id status publishedAt }} errors {{ field code message }} }}
}}
"""


WORKER_FIELDS = """
id headline bio displayName travelRadiusKm remoteOk employmentTypes earliestStart visibility
location { prefecture city lat lon }
desiredPay { amount period }
languages { code level }
weeklyAvailability { day start end }
workAuthorization { residenceStatus expiresOn }
skills { skill { slug } level years }
"""

CREATE_PROFILE = f"""
mutation CreateProfile($input: CreateWorkerProfileInput!) {{
  createWorkerProfile(input: $input) {{ worker {{ {WORKER_FIELDS} }} errors {{ field code message }} }}
}}
"""

UPDATE_PROFILE = f"""
mutation UpdateProfile($input: UpdateWorkerProfileInput!) {{
  updateWorkerProfile(input: $input) {{ worker {{ {WORKER_FIELDS} }} errors {{ field code message }} }}
}}
"""


def skill_gid(slug: str) -> str:
    return to_global_id("Skill", skill_id_for(slug))


def job_input(**overrides: Any) -> dict[str, Any]:
    job: dict[str, Any] = {
        "title": "倉庫内ピッキング・フォークリフト",
        "description": "物流センターでのピッキングとフォークリフト作業です。",
        "employmentType": "FULL_TIME",
        "location": TOKYO_SHINJUKU,
        "pay": {"min": 1300, "max": 1600, "period": "HOURLY"},
        "skills": [{"skillId": skill_gid("forklift-operation"), "minLevel": 2}],
        "languages": [{"code": "ja", "level": "N3"}],
        "schedule": [{"day": "MON", "start": "09:00", "end": "18:00"}],
    }
    job.update(overrides)
    return job


def profile_input(**overrides: Any) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "headline": "フォークリフト経験5年",
        "bio": "倉庫での仕事が得意です。",
        "skills": [{"skillId": skill_gid("forklift-operation"), "level": 4, "years": 5}],
        "languages": [{"code": "ja", "level": "N2"}, {"code": "vi", "level": "NATIVE"}],
        "location": TOKYO_SHINJUKU,
        "travelRadiusKm": 15,
        "desiredPay": {"amount": 1200, "period": "HOURLY"},
        "employmentTypes": ["FULL_TIME"],
        "weeklyAvailability": [{"day": "MON", "start": "08:00", "end": "20:00"}],
        "workAuthorization": {
            "residenceStatus": "SPECIFIED_SKILLED_WORKER_1",
            "expiresOn": "2028-03-31",
        },
    }
    profile.update(overrides)
    return profile


async def create_job(
    client: httpx.AsyncClient, token: str, *, publish: bool = False, **overrides: Any
) -> dict[str, Any]:
    payload = data(await gql(client, CREATE_JOB, {"input": job_input(**overrides)}, token))[
        "createJob"
    ]
    assert payload["errors"] == [], payload["errors"]
    job = payload["job"]
    if publish:
        published = data(
            await gql(
                client, transition_mutation("publishJob"), {"input": {"id": job["id"]}}, token
            )
        )["publishJob"]
        assert published["errors"] == [], published["errors"]
        job["status"] = published["job"]["status"]
    return job


async def create_profile(client: httpx.AsyncClient, token: str, **overrides: Any) -> dict[str, Any]:
    payload = data(await gql(client, CREATE_PROFILE, {"input": profile_input(**overrides)}, token))[
        "createWorkerProfile"
    ]
    assert payload["errors"] == [], payload["errors"]
    return payload["worker"]
