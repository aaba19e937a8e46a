"""The worker's matching matrices: built in the background, an expired set keeps serving
while its successor is built, and a failed build is retried by the next ranking."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from typing import Any

import pytest

from tests.factories import create_job, create_profile
from tests.graphql_client import register
from workers.matrices import Matrices


@pytest.fixture
async def world(client):
    employer = await register(client, "hr@matrices.example", "EMPLOYER", "Matrices KK")
    await create_job(client, employer.token, publish=True)
    worker = await register(client, "w@matrices.example")
    await create_profile(client, worker.token)


async def test_the_first_ranking_waits_for_the_build(services, world):
    matrices = Matrices(services.database.session, max_age_seconds=600)
    cache = await matrices.current()
    assert (cache.workers.size, cache.jobs.size) == (1, 1)
    assert await matrices.current() is cache  # fresh: kept


async def test_expired_matrices_serve_while_their_successor_is_built(services, world):
    matrices = Matrices(services.database.session, max_age_seconds=0)
    first = await matrices.current()
    assert await matrices.current() is first  # expired: served at once, rebuild started
    await asyncio.wait_for(matrices._building, 30)  # type: ignore[arg-type]
    assert await matrices.current() is not first


async def test_a_failed_build_is_retried_by_the_next_ranking(services, world):
    attempts: list[int] = []

    @asynccontextmanager
    async def flaky_session() -> Any:
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionError("database restarting")
        async with services.database.session() as session:
            yield session

    matrices = Matrices(flaky_session, max_age_seconds=600)
    with pytest.raises(RuntimeError, match="could not be built"):
        await matrices.current()
    assert (await matrices.current()).workers.size == 1
    assert len(attempts) == 2
