"""Read replicas against a real streaming replica of the local PostgreSQL
(tests/replica_support.py): where reads go, read-your-writes, lag and outage."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, asynccontextmanager
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from schema.ids import from_global_id
from server.app import create_app
from server.database import Database
from server.read_scope import request_scope
from server.services import Services, public_cache
from server.settings import Settings
from tests.factories import CREATE_JOB, create_job, job_input
from tests.graphql_client import data, gql, register
from tests.observability_helpers import scrape, value
from tests.replica_support import ReplicationUnavailable, StreamingReplica, start_replica
from tests.sql_listening import statements_sent

OPEN_JOBS = """
query { jobs(first: 50) { edges { node { id title organization { name }
                                           skills { skill { slug } } } } } }
"""
ORGANIZATION_JOBS = """
query($org: ID!) { jobs(filter: {organizationId: $org, statuses: [DRAFT, OPEN]}, first: 50) {
  edges { node { id } } } }
"""
NODE = "query($id: ID!) { node(id: $id) { ... on Job { id title skills { skill { slug } } } } }"
# The monitor's own lag checks are not reads of the application.
MONITOR_SQL = ("pg_current_wal_lsn", "pg_is_in_recovery", "pg_last_wal_replay_lsn")


@pytest.fixture(scope="module")
async def replica(database_url: str) -> AsyncIterator[StreamingReplica]:
    try:
        started = await start_replica(database_url)
    except ReplicationUnavailable as why:
        pytest.skip(f"cannot start a streaming replica of the local PostgreSQL: {why}")
    yield started
    started.remove()


@pytest.fixture
async def replicated(
    services: Services, database_url: str, replica: StreamingReplica
) -> AsyncIterator[Services]:
    """The test services with a database that reads from the replica, measured on every
    read (check interval 0) so that each test sees the replica's state at once."""
    name = make_url(database_url).database or ""
    database = Database(
        database_url,
        pool_size=2,
        replica_url=replica.url(name),
        replica_max_lag_seconds=5.0,
        replica_check_interval_seconds=0.0,
    )
    yield dataclasses.replace(services, database=database, cache=None)
    await database.dispose()


@pytest.fixture
async def client(settings: Settings, replicated: Services) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, replicated)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        yield http


class Statements:
    """Application statements per server, the lag checks left out."""

    def __init__(self, database: Database) -> None:
        self.primary: list[str] = []
        self.replica: list[str] = []
        self._listening = ExitStack()
        engines = [(database.engine, self.primary)]
        if database.replica_engine is not None:
            engines.append((database.replica_engine, self.replica))
        for engine, seen in engines:
            self._listening.enter_context(statements_sent(engine, self._recorder(seen)))

    @staticmethod
    def _recorder(seen: list[str]) -> Any:
        def record(statement: str, parameters: Any) -> None:
            if not any(marker in statement for marker in MONITOR_SQL):
                seen.append(statement)

        return record

    def clear(self) -> None:
        self.primary.clear()
        self.replica.clear()

    def stop(self) -> None:
        self._listening.close()


@pytest.fixture
def statements(replicated: Services) -> Iterator[Statements]:
    counted = Statements(replicated.database)
    yield counted
    counted.stop()


async def on_replica(replica: StreamingReplica, database_url: str, sql: str, *args: Any) -> Any:
    connection = await asyncpg.connect(replica.url(make_url(database_url).database or ""))
    try:
        return await connection.fetchval(sql, *args)
    finally:
        await connection.close()


async def replayed(replica: StreamingReplica, database_url: str, table: str, pk: Any) -> None:
    """Wait until the replica has the row (it streams within milliseconds)."""
    deadline = time.monotonic() + 20
    while not await on_replica(
        replica, database_url, f"SELECT count(*) FROM {table} WHERE id = $1", pk
    ):
        assert time.monotonic() < deadline, f"the replica never got {table} {pk}"
        await asyncio.sleep(0.05)


@asynccontextmanager
async def replay_paused(replica: StreamingReplica, database_url: str) -> AsyncIterator[None]:
    """The replica stops applying WAL: it falls behind everything written meanwhile."""
    await on_replica(replica, database_url, "SELECT pg_wal_replay_pause()")
    try:
        yield
    finally:
        await on_replica(replica, database_url, "SELECT pg_wal_replay_resume()")


async def employer_with_job(
    client: httpx.AsyncClient, replica: StreamingReplica, database_url: str, **job: Any
) -> tuple[Any, dict[str, Any]]:
    hr = await register(client, "hr@example.com", "EMPLOYER", "倉庫KK")
    created = await create_job(client, hr.token, publish=True, **job)
    await replayed(replica, database_url, "jobs", from_global_id(created["id"])[1])
    return hr, created


def job_ids(result: dict[str, Any]) -> set[str]:
    return {edge["node"]["id"] for edge in next(iter(result.values()))["edges"]}


async def test_reads_go_to_the_replica_and_writes_to_the_primary(
    client, replicated, statements, replica, database_url
):
    database = replicated.database
    async with database.read_session() as session:
        assert (await session.execute(text("SELECT pg_is_in_recovery()"))).scalar() is True
    async with database.session() as session:
        assert (await session.execute(text("SELECT pg_is_in_recovery()"))).scalar() is False

    _, job = await employer_with_job(client, replica, database_url)
    statements.clear()
    result = data(await gql(client, OPEN_JOBS))  # a page with organisations and skills
    assert job_ids(result) == {job["id"]}
    assert result["jobs"]["edges"][0]["node"]["skills"] == [
        {"skill": {"slug": "forklift-operation"}}
    ]
    assert statements.replica and not statements.primary  # page, organisations, skills

    skills = data(await gql(client, 'query { skills(search: "フォークリフト") { slug } }'))
    assert {"slug": "forklift-operation"} in skills["skills"]
    assert not statements.primary

    samples = await scrape(client)
    assert value(samples, "iworkz_db_pool_size", pool="replica") == 2
    assert value(samples, "iworkz_db_read_routes_total", route="replica") > 0
    assert value(samples, "iworkz_db_replica_usable") == 1


async def test_a_request_reads_its_own_writes_from_the_primary(
    client, replicated, statements, replica, database_url
):
    """The replica is paused, so it cannot show anything written now; a bound of an hour
    keeps it in use. The mutation's answer still shows the new job's skills, which only
    the primary has: every read after the commit went there."""
    replicated.database.replica.max_lag_seconds = 3600
    hr, _ = await employer_with_job(client, replica, database_url)
    organization = (await gql(client, "query { me { organizations { id } } }", token=hr.token))[
        "data"
    ]["me"]["organizations"][0]["id"]
    async with replay_paused(replica, database_url):
        statements.clear()
        payload = data(
            await gql(client, CREATE_JOB, {"input": job_input(title="新しい仕事")}, hr.token)
        )["createJob"]
        assert payload["errors"] == []
        assert payload["job"]["skills"][0]["skill"]["slug"] == "forklift-operation"
        assert payload["job"]["organization"]["name"] == "倉庫KK"
        assert not statements.replica

        # A later request that only reads may be served by the replica, within the bound:
        # the draft is not there yet (this is the documented, bounded staleness).
        statements.clear()
        listed = data(await gql(client, ORGANIZATION_JOBS, {"org": organization}, hr.token))
        assert payload["job"]["id"] not in job_ids(listed)
        assert statements.replica

    with request_scope():  # the same rule without GraphQL: a committed write pins the primary
        database = replicated.database
        async with database.read_session() as session:
            assert (await session.execute(text("SELECT pg_is_in_recovery()"))).scalar()
        async with database.transaction(replicated.bus, replicated.queue) as uow:
            await uow.session.execute(text("SELECT 1"))
        async with database.read_session() as session:
            assert not (await session.execute(text("SELECT pg_is_in_recovery()"))).scalar()


async def test_a_lagging_replica_is_left_for_the_primary(
    client, replicated, statements, replica, database_url
):
    monitor = replicated.database.replica
    monitor.max_lag_seconds = 1.0
    hr, first = await employer_with_job(client, replica, database_url, title="一件目")
    async with replay_paused(replica, database_url):
        second = await create_job(client, hr.token, publish=True, title="二件目")
        deadline = time.monotonic() + 15
        while (state := await monitor.refresh()).reason != "lagging":
            assert time.monotonic() < deadline, state
            await asyncio.sleep(0.2)
        assert state.lag_seconds is not None and state.lag_seconds > 1.0

        statements.clear()
        result = data(await gql(client, OPEN_JOBS))
        assert job_ids(result) == {first["id"], second["id"]}  # fresh: from the primary
        assert statements.primary and not statements.replica
        samples = await scrape(client)
        assert value(samples, "iworkz_db_read_routes_total", route="primary_lagging") > 0
        assert value(samples, "iworkz_db_replica_usable") == 0

    deadline = time.monotonic() + 15
    while not (await monitor.refresh()).usable:  # caught up again: back to the replica
        assert time.monotonic() < deadline
        await asyncio.sleep(0.1)
    statements.clear()
    assert job_ids(data(await gql(client, OPEN_JOBS))) == {first["id"], second["id"]}
    assert statements.replica and not statements.primary


async def test_a_quiet_primary_does_not_look_like_lag(replicated, replica, database_url):
    """Nothing written here for longer than the bound: the last transaction the replica
    replayed may be old, but it has everything, so it stays in use."""
    monitor = replicated.database.replica
    monitor.max_lag_seconds = 0.5
    await asyncio.sleep(1.0)
    state = await monitor.refresh()
    assert state.usable, state
    assert state.lag_seconds is not None and state.lag_seconds < 0.5


async def test_reads_survive_the_replica_going_down(
    client, replicated, statements, replica, database_url
):
    database = replicated.database
    monitor = database.replica
    _, job = await employer_with_job(client, replica, database_url)
    assert job_ids(data(await gql(client, OPEN_JOBS))) == {job["id"]}  # pool holds replica links
    # Measured as healthy, and not measured again for an hour: the first read to find the
    # replica gone must still succeed (it connects first, then falls back).
    assert (await monitor.refresh()).usable
    monitor.check_interval_seconds = 3600
    replica.stop()
    try:
        statements.clear()
        started = time.monotonic()
        assert job_ids(data(await gql(client, OPEN_JOBS))) == {job["id"]}
        assert time.monotonic() - started < 5
        assert statements.primary and not statements.replica
        assert monitor.state is not None and monitor.state.reason == "down"
        ready = await client.get("/readyz")  # the pod keeps serving: reads use the primary
        assert ready.status_code == 200
        assert ready.json() == {
            "status": "ok",
            "checks": {"database": "ok", "redis": "ok"},
            "replica": "down",
        }

        monitor.check_interval_seconds = 0  # measured on every read: still down
        assert job_ids(data(await gql(client, OPEN_JOBS))) == {job["id"]}
        samples = await scrape(client)
        assert value(samples, "iworkz_db_read_routes_total", route="primary_down") >= 2
    finally:
        replica.start()


async def test_cache_fills_read_the_primary_not_the_replica(
    settings, services, replica, database_url
):
    """The replica is paused (and within an hour's bound, so in use): a public job page
    read through the cache still comes from the primary, so the cache can never hold a
    row older than the last commit."""
    name = make_url(database_url).database or ""
    database = Database(database_url, replica_url=replica.url(name), replica_max_lag_seconds=3600)
    cache = public_cache(settings, database)
    assert cache is not None
    both = dataclasses.replace(services, database=database, cache=cache)
    app = create_app(settings, both)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as http:
            hr, _ = await employer_with_job(http, replica, database_url)
            async with replay_paused(replica, database_url):
                job = await create_job(http, hr.token, publish=True, title="一時停止中")
                node = data(await gql(http, NODE, {"id": job["id"]}))["node"]
                assert node is not None and node["title"] == "一時停止中"
                assert node["skills"] == [{"skill": {"slug": "forklift-operation"}}]
                listed = data(await gql(http, OPEN_JOBS))  # the list reads the replica
                assert job["id"] not in job_ids(listed)
    finally:
        await cache.close()
        await database.dispose()
