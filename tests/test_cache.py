"""The public cache (server/cache.py): hits after misses, invalidation on every change,
nothing private in it, and an outage that only makes the API slower."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime

import pytest
from redis.asyncio import Redis
from sqlalchemy.orm import configure_mappers

from domain.auth.models import Organization
from domain.auth.partners import PartnerScope
from domain.jobs.models import Job
from domain.sql import detached
from schema.ids import from_global_id
from server.cache import JOB_PRIVATE_COLUMNS, PublicCache, RecentEntries, _dump, _load
from server.cache_store import MemoryCacheStore, RedisCacheStore
from server.read_scope import request_scope
from tests.credentials.api import SET_TRUST, trusted_issuer
from tests.factories import UPDATE_JOB, create_job, skill_gid, transition_mutation
from tests.graphql_client import create_admin, data, gql, register
from tests.observability_helpers import scrape, value
from tests.test_partners import new_client, partner_token

SKILLS = 'query { skills(search: "フォークリフト", first: 5) { slug nameJa } }'
JOB_PAGE = """
query($id: ID!) { node(id: $id) { ... on Job { id title status description
  organization { name } skills { skill { slug nameEn } minLevel required } } } }
"""


async def page(client, job_id, token=None):
    return data(await gql(client, JOB_PAGE, {"id": job_id}, token))["node"]


async def cached_keys(services, pattern: str) -> list[bytes]:
    prefix = services.settings.redis_key_prefix
    return [key async for key in services.redis.scan_iter(f"{prefix}cache:*{pattern}*")]


async def test_skill_search_is_served_from_the_cache_after_one_miss(client, sql_statements):
    sql_statements.statements.clear()
    first = data(await gql(client, SKILLS))
    # The search, and the taxonomy's fingerprint if this process has not taken it yet.
    assert sql_statements.count in (1, 2)
    assert {"slug": "forklift-operation", "nameJa": "フォークリフト運転"} in first["skills"]
    sql_statements.statements.clear()
    assert data(await gql(client, SKILLS)) == first
    assert sql_statements.count == 0
    samples = await scrape(client)
    assert value(samples, "iworkz_cache_lookups_total", cache="skills", result="hit") >= 1


async def test_public_job_page_is_cached_and_forgotten_when_the_job_changes(
    client, services, sql_statements
):
    hr = await register(client, "hr@cache.example", "EMPLOYER", "Cache KK")
    job = await create_job(client, hr.token, publish=True, title="Forklift")
    sql_statements.statements.clear()
    first = await page(client, job["id"])
    missed = sql_statements.count
    assert first["title"] == "Forklift" and first["skills"][0]["skill"]["slug"]
    sql_statements.statements.clear()
    assert await page(client, job["id"]) == first
    assert missed == 3 and sql_statements.count == 0  # the job, its skills, its organisation

    # Edit: the answer to the edit and every later read show the new job, never the old.
    changed = data(
        await gql(
            client,
            UPDATE_JOB,
            {
                "input": {
                    "id": job["id"],
                    "title": "Picking",
                    "skills": [{"skillId": skill_gid("picking"), "minLevel": 3}],
                }
            },
            hr.token,
        )
    )["updateJob"]
    assert changed["errors"] == [] and changed["job"]["title"] == "Picking"
    for token in (None, hr.token):
        now = await page(client, job["id"], token)
        assert now["title"] == "Picking"
        assert [s["skill"]["slug"] for s in now["skills"]] == ["picking"]
        assert now["skills"][0]["minLevel"] == 3

    closed = data(
        await gql(client, transition_mutation("closeJob"), {"input": {"id": job["id"]}}, hr.token)
    )["closeJob"]
    assert closed["errors"] == []
    assert (await page(client, job["id"]))["status"] == "CLOSED"


async def test_a_job_row_changed_outside_graphql_is_forgotten_too(client, services):
    """The invalidation follows committed rows, not mutations: the matching engine's
    bookkeeping, an admin script or a background job all count."""
    hr = await register(client, "hr@rows.example", "EMPLOYER", "Rows KK")
    job = await create_job(client, hr.token, publish=True, title="Before")
    assert (await page(client, job["id"]))["title"] == "Before"
    from domain.jobs.models import Job

    async with services.database.session() as session:
        row = await session.get(Job, from_global_id(job["id"])[1])
        row.title = "After"
        await session.commit()
    await asyncio.sleep(0.05)  # a plain session's hooks run right after its commit
    assert (await page(client, job["id"]))["title"] == "After"


ORGANIZATION = "query($id: ID!) { node(id: $id) { ... on Organization { name trusted } } }"


async def test_an_organisation_is_cached_and_forgotten_when_it_changes(
    client, services, sql_statements
):
    """Every job shown names its organisation, so organisations are cached too; a change
    (an admin vouching for an issuer, or a row written outside GraphQL) is never hidden."""
    issuer = await trusted_issuer(client, services, "registrar@cache.example")
    organization_id = issuer.organization_id
    sql_statements.statements.clear()
    first = data(await gql(client, ORGANIZATION, {"id": organization_id}))["node"]
    assert first == {"name": "Tokyo Forklift School", "trusted": True}
    assert sql_statements.count == 1
    sql_statements.statements.clear()
    assert data(await gql(client, ORGANIZATION, {"id": organization_id}))["node"] == first
    assert sql_statements.count == 0
    assert await cached_keys(services, f"organization:{from_global_id(organization_id)[1]}")

    admin = await create_admin(services, client, "admin@cache.example")
    withdrawn = data(
        await gql(
            client,
            SET_TRUST,
            {"input": {"organizationId": organization_id, "trusted": False}},
            admin.token,
        )
    )["setIssuerTrust"]
    assert withdrawn["errors"] == []
    now = data(await gql(client, ORGANIZATION, {"id": organization_id}))["node"]
    assert now == {"name": "Tokyo Forklift School", "trusted": False}

    async with services.database.session() as session:
        row = await session.get(Organization, from_global_id(organization_id)[1])
        row.name = "Renamed School"
        await session.commit()
    await asyncio.sleep(0.05)  # a plain session's hooks run right after its commit
    renamed = data(await gql(client, ORGANIZATION, {"id": organization_id}))["node"]
    assert renamed["name"] == "Renamed School"


async def test_drafts_are_never_cached_and_hits_are_still_authorised(client, services):
    hr = await register(client, "hr@draft.example", "EMPLOYER", "Draft KK")
    draft = await create_job(client, hr.token, title="Secret plan")
    pk = from_global_id(draft["id"])[1]
    for _ in range(2):  # its own organisation sees it, from the database each time
        assert (await page(client, draft["id"], hr.token))["title"] == "Secret plan"
    assert await cached_keys(services, f"job:{pk}") == []
    assert await cached_keys(services, f"job-skills:{pk}") == []
    assert await page(client, draft["id"]) is None
    rival = await register(client, "hr@rival.example", "EMPLOYER", "Rival KK")
    assert await page(client, draft["id"], rival.token) is None

    await gql(client, transition_mutation("publishJob"), {"input": {"id": draft["id"]}}, hr.token)
    assert (await page(client, draft["id"]))["title"] == "Secret plan"
    assert await cached_keys(services, f"job:{pk}")  # public now: shared
    (raw,) = await services.redis.mget(await cached_keys(services, f"job:{pk}"))
    assert b"created_by" not in raw and b"search_grams" not in raw
    # A cached row is still checked against the caller: a partner without jobs:read sees none.
    token = await partner_token(client, await new_client(services, [PartnerScope.WORKERS_READ]))
    assert await page(client, draft["id"], token) is None


async def test_a_fill_that_raced_with_a_write_is_never_served(services):
    """Reader: looks up (miss, generation g) and reads the old row. Writer: commits and
    forgets. Reader: stores the old row under g. The next reader sees generation g+1."""
    cache = services.cache
    job_id = uuid.uuid4()
    from domain.jobs.models import Job

    old = Job(
        id=job_id,
        organization_id=uuid.uuid4(),
        title="old",
        description="d",
        employment_type="FULL_TIME",
        pay_min=1,
        pay_max=2,
        pay_period="HOURLY",
        status="OPEN",
        created_by=uuid.uuid4(),
    )
    looked_up = await cache.jobs([job_id])
    assert looked_up.hits == {} and job_id in looked_up.fillable
    await cache.forget_jobs([job_id])  # the writer, after its commit
    await cache.store_jobs([old], looked_up.fillable)  # the slow reader
    again = await cache.jobs([job_id])
    assert again.hits == {} and again.fillable[job_id] == looked_up.fillable[job_id] + 1

    organization = Organization(id=uuid.uuid4(), name="old", kind="EMPLOYER")
    looked_up = await cache.organizations([organization.id])
    await cache.forget_organizations([organization.id])
    await cache.store_organizations([organization], looked_up.fillable)
    again = await cache.organizations([organization.id])
    assert (
        again.hits == {} and again.fillable[organization.id] > looked_up.fillable[organization.id]
    )
    await cache.store_organizations([organization], again.fillable)  # an honest fill is served
    assert (await cache.organizations([organization.id])).hits[organization.id].name == "old"


async def test_requests_that_wrote_and_live_connections_bypass_the_cache(services):
    with request_scope(live=True):
        assert await services.cache.jobs([uuid.uuid4()]) is None
        assert await services.cache.skill_search_key("x", None, 5) is None
    with request_scope() as reads:
        assert await services.cache.jobs([uuid.uuid4()]) is not None
        reads.wrote = True
        assert await services.cache.jobs([uuid.uuid4()]) is None


class DeadStore:
    """A cache server that fails (or hangs) on every call."""

    remote = True

    def __init__(self, hang: bool = False) -> None:
        self.hang = hang
        self.calls = 0

    async def _fail(self) -> None:
        self.calls += 1
        if self.hang:
            await asyncio.sleep(30)
        raise ConnectionError("cache down")

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        await self._fail()
        return []

    async def put_many(self, items: Sequence[tuple[str, bytes]], ttl_seconds: int) -> None:
        await self._fail()

    async def invalidate(
        self, counters: Sequence[str], entries: Sequence[str], ttl_seconds: int
    ) -> None:
        await self._fail()

    async def close(self) -> None:
        pass


@pytest.fixture
def outage(services, monkeypatch):
    """Swap the cache's store; everything the outage changes is put back afterwards."""
    cache = services.cache
    monkeypatch.setattr(cache, "_down_until", 0.0)
    monkeypatch.setattr(cache, "_failing", False)
    monkeypatch.setattr(cache, "_unforgotten", set())
    monkeypatch.setattr(cache, "_backoff", 0.0)  # try the cache on every call
    monkeypatch.setattr(cache, "_timeout", 0.1)  # the default (tests run with 2 s)

    def swap(store) -> None:
        monkeypatch.setattr(cache, "store", store)

    return swap


async def test_a_dead_redis_only_makes_it_slower(client, services, outage, caplog):
    hr = await register(client, "hr@outage.example", "EMPLOYER", "Outage KK")
    job = await create_job(client, hr.token, publish=True, title="Cached")
    assert (await page(client, job["id"]))["title"] == "Cached"  # now in Redis
    real = services.cache.store

    dead = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.1)
    outage(RedisCacheStore(dead))
    assert data(await gql(client, SKILLS))["skills"]
    assert (await page(client, job["id"]))["title"] == "Cached"
    # The edit's invalidation fails: it is remembered, and done before the next cache read.
    edited = data(
        await gql(client, UPDATE_JOB, {"input": {"id": job["id"], "title": "Edited"}}, hr.token)
    )["updateJob"]
    assert edited["errors"] == []
    assert (await page(client, job["id"]))["title"] == "Edited"
    assert "cache unavailable" in caplog.text

    outage(real)  # back, with the old entry still in it: never served
    assert (await page(client, job["id"]))["title"] == "Edited"
    assert (await page(client, job["id"]))["title"] == "Edited"  # and cached again
    samples = await scrape(client)
    assert value(samples, "iworkz_cache_errors_total", operation="get") >= 1
    assert value(samples, "iworkz_cache_errors_total", operation="invalidate") >= 1
    await dead.aclose()


async def test_a_hanging_cache_costs_at_most_its_timeout(client, services, outage):
    hr = await register(client, "hr@hang.example", "EMPLOYER", "Hang KK")
    job = await create_job(client, hr.token, publish=True, title="Slow cache")
    hanging = DeadStore(hang=True)
    outage(hanging)
    started = time.monotonic()
    assert (await page(client, job["id"]))["title"] == "Slow cache"
    assert data(await gql(client, SKILLS))["skills"]
    assert time.monotonic() - started < 2.0  # each call gave up after 0.1 s
    assert hanging.calls >= 2


async def test_after_an_error_the_cache_is_left_alone_for_a_while(services, outage):
    failing = DeadStore()
    outage(failing)
    cache = services.cache
    cache._backoff = 60.0  # put back by the fixture
    assert await cache.jobs([uuid.uuid4()]) is None
    assert await cache.jobs([uuid.uuid4()]) is None
    assert failing.calls == 1  # the second lookup did not wait on a broken cache


async def test_embedded_memory_store_expires_and_evicts():
    store = MemoryCacheStore(max_entries=2)
    await store.put_many([("a", b"1"), ("b", b"2")], ttl_seconds=60)
    await store.get_many(["a"])  # a is now the most recently used
    await store.put_many([("c", b"3")], ttl_seconds=60)
    assert await store.get_many(["a", "b", "c"]) == [b"1", None, b"3"]
    await store.invalidate(["n"], ["a"], ttl_seconds=60)
    await store.invalidate(["n"], [], ttl_seconds=60)
    assert await store.get_many(["n", "a"]) == [b"2", None]
    await store.put_many([("short", b"x")], ttl_seconds=0)
    assert await store.get_many(["short"]) == [None]


async def test_embedded_mode_caches_in_memory(services):
    async def fingerprint() -> str:
        return "f" * 32

    cache = PublicCache(MemoryCacheStore(), prefix="t:", taxonomy_fingerprint=fingerprint)
    key = await cache.skill_search_key("x", None, 5)
    assert key is not None and await cache.get_skills(key) is None
    await cache.put_skills(key, [])
    assert await cache.get_skills(key) == []


def test_a_cached_row_decodes_to_exactly_the_row_that_was_stored():
    """Every column type of the cached tables comes back as the value and class it had:
    UUIDs, aware times, dates, floats, JSONB and text arrays (server/cache.py::_decoder)."""
    configure_mappers()
    columns = [c.key for c in Job.__table__.columns if c.key not in JOB_PRIVATE_COLUMNS]  # type: ignore[attr-defined]
    row = detached(
        Job,
        {
            "id": uuid.uuid4(),
            "organization_id": uuid.uuid4(),
            "title": '倉庫 "A"',
            "description": "",
            "employment_type": "FULL_TIME",
            "remote": False,
            "prefecture": "TOKYO",
            "city": "新宿区",
            "lat": 35.0,
            "lon": 139.7,
            "pay_min": 1200,
            "pay_max": 1500,
            "pay_period": "HOURLY",
            "languages": [{"code": "ja", "level": "N3"}],
            "schedule": [],
            "openings": 2,
            "start_date": date(2026, 12, 1),
            "required_credential_types": ["ForkliftLicence"],
            "status": "OPEN",
            "version": 3,
            "created_at": datetime(2026, 11, 1, 9, 30, 0, 123456, tzinfo=UTC),
            "updated_at": None,
            "published_at": datetime(2026, 11, 2, tzinfo=UTC),
            "matching_status": "IDLE",
            "matched_at": None,
        },
    )
    loaded = _load(Job, _dump(row, JOB_PRIVATE_COLUMNS))
    for column in columns:
        original, back = getattr(row, column), getattr(loaded, column)
        assert (back, type(back)) == (original, type(original)), column
    assert loaded.created_at.isoformat() == "2026-11-01T09:30:00.123456+00:00"


def test_an_entry_read_again_is_decoded_once_and_only_for_its_generation():
    """RecentEntries: the same bytes decode once; an entry filled under an older
    generation is a miss even when remembered; other bytes are decoded anew; an
    unreadable entry is a miss and not kept; the oldest goes first when full."""
    decoded: list[object] = []

    def decode(value: object) -> object:
        decoded.append(value)
        return {"decoded": value}

    recent = RecentEntries(max_entries=2)
    entry = b'{"g": 3, "v": "job"}'
    assert recent.decoded(entry, 3, decode) == {"decoded": "job"}
    assert recent.decoded(bytes(entry), 3, decode) == {"decoded": "job"}  # equal bytes
    assert decoded == ["job"]
    assert recent.decoded(entry, 4, decode) is None  # the job changed since
    assert recent.decoded(b'{"g": 4, "v": "new"}', 4, decode) == {"decoded": "new"}
    assert recent.decoded(b"{not json", 4, decode) is None
    assert recent.decoded(b'{"v": "no generation"}', 4, decode) is None
    assert recent.decoded(None, 4, decode) is None
    assert decoded == ["job", "new"]
    recent.decoded(b'{"g": 1, "v": "third"}', 1, decode)  # full: the first one goes
    assert recent.decoded(entry, 3, decode) == {"decoded": "job"}
    assert decoded == ["job", "new", "third", "job"]
