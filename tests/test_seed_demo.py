"""`iworkz seed-demo`: realistic, reproducible demo data that the real API serves as is."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select, text

from domain.demo.seed import (
    ADMIN_EMAIL,
    ALREADY_SEEDED,
    DEMO_PASSWORD,
    REFERENCE_DATE,
    DemoSize,
    seed_demo_data,
)
from domain.geo.distance import haversine_km
from domain.geo.prefectures import prefectures
from domain.jobs import service as job_service
from domain.jobs.models import Job
from domain.profiles import service as profile_service
from domain.profiles.models import WorkerProfile
from domain.skills.lookup import skills_by_id
from server.cli import main as cli_main
from server.services import Services
from tests.graphql_client import data, gql

SMALL = DemoSize(workers=300, jobs=60)
DEMO_TABLES = (
    "users",
    "organizations",
    "memberships",
    "worker_profiles",
    "worker_skills",
    "jobs",
    "job_skills",
    "job_status_changes",
)
KEEP_TABLES = {"skills", "alembic_version"}


async def _seed(services: Services, size: DemoSize = SMALL, seed: int = 7) -> dict[str, int]:
    return await seed_demo_data(services.database.session, size, seed=seed)


async def _rows(services: Services, sql: str) -> list[Any]:
    async with services.database.session() as session:
        return list((await session.execute(text(sql))).all())


async def _snapshot(services: Services) -> dict[str, list[str]]:
    """Every column of every demo row, as canonical JSON; the password hash is left out
    because argon2 salts it afresh on each run."""
    found = {}
    for table in DEMO_TABLES:
        rows = await _rows(services, f"SELECT (to_jsonb(t) - 'password_hash')::text FROM {table} t")
        found[table] = sorted(row[0] for row in rows)
    return found


async def _truncate(services: Services) -> None:
    """Empty the database as the autouse fixture does, keeping the skills taxonomy."""
    async with services.database.session() as session:
        tables = await session.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        )
        names = [name for name in tables.scalars() if name not in KEEP_TABLES]
        await session.execute(text(f"TRUNCATE {', '.join(names)} CASCADE"))
        await session.commit()


async def test_same_seed_gives_identical_rows_in_any_batches_and_another_seed_other_data(
    services,
):
    counts = await _seed(services, seed=7)
    first = await _snapshot(services)
    assert all(first[table] for table in DEMO_TABLES)

    # Written in many small batches (as a large size is): the very same rows.
    await _truncate(services)
    small_batches = await seed_demo_data(services.database.session, SMALL, seed=7, batch_rows=97)
    assert small_batches == counts
    assert await _snapshot(services) == first

    await _truncate(services)
    await _seed(services, seed=8)
    other = await _snapshot(services)
    for table in DEMO_TABLES:
        assert other[table] != first[table], table

    # Not only fresh IDs: the jobs and people themselves differ.
    def contents(snapshot: dict[str, list[str]], table: str, keys: list[str]) -> list[list[Any]]:
        rows = [json.loads(row) for row in snapshot[table]]
        return sorted([row[key] for key in keys] for row in rows)

    job_keys = ["title", "pay_min", "pay_max", "prefecture"]
    assert contents(other, "jobs", job_keys) != contents(first, "jobs", job_keys)
    profile_keys = ["headline", "prefecture", "lat", "lon"]
    assert contents(other, "worker_profiles", profile_keys) != contents(
        first, "worker_profiles", profile_keys
    )


async def test_jobs_cover_every_prefecture_with_plausible_pay_and_lifecycle(services):
    counts = await _seed(services)
    assert counts["jobs"] == 60 and counts["workers"] == 300
    assert counts["organizations"] == 15  # about one employer per four jobs
    assert counts["users"] == 300 + 15 + 1

    open_prefectures = await _rows(
        services, "SELECT DISTINCT prefecture FROM jobs WHERE status = 'OPEN'"
    )
    assert {row[0] for row in open_prefectures} >= set(prefectures())

    jobs = await _rows(
        services,
        "SELECT id, status, pay_min, pay_max, pay_period, published_at, created_at, version,"
        " prefecture, city, lat, lon, openings, title, organization_id, created_by FROM jobs",
    )
    for job in jobs:
        assert 0 < job.pay_min <= job.pay_max
        if job.pay_period == "HOURLY":
            assert 1000 <= job.pay_min <= 3000
        if job.pay_period == "MONTHLY":
            assert 150_000 <= job.pay_min <= job.pay_max <= 1_000_000
        assert 1 <= job.openings <= 5
        assert (job.published_at is None) == (job.status == "DRAFT")
        if job.prefecture is not None:
            assert _km_to_nearest_city(job.prefecture, job.lat, job.lon) <= 3.1
    statuses = [job.status for job in jobs]
    assert statuses.count("OPEN") >= 0.7 * len(jobs)
    assert {job.title[0] == "【" for job in jobs} == {True, False}  # Japanese and English ads

    # The audit trail ends in each job's current status, as the real transitions leave it.
    trail = await _rows(
        services,
        "SELECT job_id, array_agg(to_status ORDER BY changed_at) AS path,"
        " array_agg(actor_id) AS actors FROM job_status_changes GROUP BY job_id",
    )
    by_job = {row.job_id: row for row in trail}
    for job in jobs:
        assert by_job[job.id].path[0] == "DRAFT"
        assert by_job[job.id].path[-1] == job.status
        assert len(by_job[job.id].path) == job.version
        assert set(by_job[job.id].actors) == {job.created_by}

    # Each employer acts for exactly its own organisation, which owns its jobs.
    employers = await _rows(
        services,
        "SELECT u.id, u.roles, m.organization_id FROM users u"
        " JOIN memberships m ON m.user_id = u.id",
    )
    assert len(employers) == 15 and all(row.roles == ["EMPLOYER"] for row in employers)
    owner = {row.id: row.organization_id for row in employers}
    assert all(owner[job.created_by] == job.organization_id for job in jobs)


async def test_worker_profiles_look_like_people_looking_for_work_in_japan(services):
    await _seed(services)
    profiles = await _rows(
        services,
        "SELECT p.*, u.email, u.roles, u.display_name,"
        " (SELECT count(*) FROM worker_skills s WHERE s.profile_id = p.id) AS skill_count"
        " FROM worker_profiles p JOIN users u ON u.id = p.user_id",
    )
    assert len(profiles) == 300
    assert {p.email for p in profiles} == {f"worker{n:05d}@demo.iworkz.jp" for n in range(1, 301)}
    statuses = set()
    night_shifts = 0
    for p in profiles:
        assert p.roles == ["WORKER"] and p.display_name
        assert 2 <= p.skill_count <= 6
        languages = {language["code"]: language["level"] for language in p.languages}
        statuses.add(p.residence_status)
        if p.residence_status == "JAPANESE_NATIONAL":
            assert languages["ja"] == "NATIVE"
            assert p.work_authorization_expires_on is None
        else:
            assert languages["ja"] in {"N5", "N4", "N3", "N2", "N1"}
            assert "NATIVE" in languages.values()  # their own language
            if p.residence_status == "PERMANENT_RESIDENT":
                assert p.work_authorization_expires_on is None
            else:
                days = (p.work_authorization_expires_on - REFERENCE_DATE).days
                assert 182 <= days <= 3 * 366
        assert p.desired_pay_amount > 0 and p.desired_pay_period in {"HOURLY", "DAILY", "MONTHLY"}
        assert _km_to_nearest_city(p.prefecture, p.lat, p.lon) <= 3.1
        assert p.weekly_availability and p.employment_types
        night_shifts += any(slot["end"] < slot["start"] for slot in p.weekly_availability)
        assert p.earliest_start is None or p.earliest_start >= REFERENCE_DATE
    assert {"JAPANESE_NATIONAL", "SPECIFIED_SKILLED_WORKER_1", "TECHNICAL_INTERN_TRAINING"} <= (
        statuses
    )
    assert night_shifts > 0
    public = sum(p.visibility == "PUBLIC" for p in profiles) / len(profiles)
    assert 0.8 <= public <= 0.97
    # Weighted towards where people live: Tokyo has more job seekers than Tottori.
    in_tokyo = sum(p.prefecture == "TOKYO" for p in profiles)
    in_tottori = sum(p.prefecture == "TOTTORI" for p in profiles)
    assert in_tokyo > in_tottori


async def test_rows_are_exactly_what_the_write_path_stores_for_their_drafts(services):
    """Re-deriving each row from its own draft through the services changes nothing,
    so search, matching and edits treat demo data like real data."""
    await _seed(services, DemoSize(workers=80, jobs=30))
    async with services.database.session() as session:
        for job in (await session.execute(select(Job))).scalars():
            draft = await job_service.draft_of(session, job)
            skills = await skills_by_id(session, [s.skill_id for s in draft.skills])
            for column, value in job_service.job_columns(draft, skills).items():
                assert getattr(job, column) == value, (job.id, column)
        for profile in (await session.execute(select(WorkerProfile))).scalars():
            draft = await profile_service.draft_of(session, profile)
            skills = await skills_by_id(session, [s.skill_id for s in draft.skills])
            for column, value in profile_service.profile_columns(draft, skills).items():
                assert getattr(profile, column) == value, (profile.id, column)


async def test_open_jobs_are_served_by_the_api_and_demo_accounts_can_sign_in(services, client):
    counts = await _seed(services)
    result = data(
        await gql(
            client,
            "{ jobs(first: 5) { totalCount edges { node { title status"
            " organization { name } skills { skill { nameEn } } } } } }",
        )
    )["jobs"]
    assert result["totalCount"] == counts["open jobs"]
    assert len(result["edges"]) == 5
    for edge in result["edges"]:
        node = edge["node"]
        assert node["status"] == "OPEN" and node["title"] and node["organization"]["name"]
        assert node["skills"] and all(s["skill"]["nameEn"] for s in node["skills"])

    login = """mutation($email: String!, $password: String!) {
      login(input: {email: $email, password: $password}) { accessToken errors { code } }
    }"""
    for email, role in [
        ("worker00001@demo.iworkz.jp", "WORKER"),
        ("employer0001@demo.iworkz.jp", "EMPLOYER"),
        (ADMIN_EMAIL, "ADMIN"),
    ]:
        payload = data(await gql(client, login, {"email": email, "password": DEMO_PASSWORD}))
        assert payload["login"]["errors"] == [], email
        me = data(await gql(client, "{ me { roles } }", token=payload["login"]["accessToken"]))
        assert me["me"]["roles"] == [role]
    wrong = data(await gql(client, login, {"email": ADMIN_EMAIL, "password": "not-it-at-all"}))
    assert wrong["login"]["accessToken"] is None


async def test_seeding_twice_inserts_nothing_the_second_time(services):
    first = await _seed(services)
    before = await _table_sizes(services)
    again = await _seed(services, seed=99)
    assert again[ALREADY_SEEDED] == 1
    assert {name: again[name] for name in ("users", "organizations", "workers", "jobs")} == {
        name: first[name] for name in ("users", "organizations", "workers", "jobs")
    }
    assert await _table_sizes(services) == before


async def test_tiny_and_empty_sizes(services):
    """Fewer jobs than prefectures still works (no coverage promise); zero makes just the admin."""
    counts = await _seed(services, DemoSize(workers=3, jobs=2))
    assert (counts["workers"], counts["jobs"], counts["organizations"]) == (3, 2, 1)
    await _truncate(services)
    counts = await _seed(services, DemoSize(workers=0, jobs=0))
    assert counts["users"] == 1 and counts["jobs"] == counts["workers"] == 0
    with pytest.raises(ValueError):
        DemoSize(workers=-1)


def test_the_cli_prints_the_counts_and_is_safe_to_rerun(database_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", database_url)
    cli_main(["seed-demo", "--workers", "20", "--jobs", "8"])
    printed = capsys.readouterr().out.strip().splitlines()[-1]
    assert "20 workers" in printed and "8 jobs" in printed and "2 organizations" in printed
    cli_main(["seed-demo", "--workers", "20", "--jobs", "8"])
    printed = capsys.readouterr().out.strip().splitlines()[-1]
    assert printed.startswith(f"1 {ALREADY_SEEDED}") and "20 workers" in printed


async def _table_sizes(services: Services) -> dict[str, int]:
    sizes = {}
    async with services.database.session() as session:
        for table in DEMO_TABLES:
            query = select(func.count()).select_from(text(table))
            sizes[table] = (await session.execute(query)).scalar_one()
    return sizes


def _km_to_nearest_city(prefecture: str, lat: float, lon: float) -> float:
    cities = prefectures()[prefecture].cities
    return min(haversine_km(lat, lon, city.lat, city.lon) for city in cities)
