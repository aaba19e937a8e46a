"""Test fixtures: a fresh PostgreSQL database per run, built by the migrations,
real Redis, and the real Starlette app driven over ASGI."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import text

from server.app import create_app
from server.migrate import upgrade_to_head
from server.services import Services, build_services
from server.settings import Environment, Settings
from tests.sql_listening import statements_sent

ADMIN_URL = os.environ.get(
    "TEST_DATABASE_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
KEEP_TABLES = {"skills", "alembic_version"}
RUN_ID = uuid.uuid4().hex[:12]


def _url_for(database: str) -> str:
    base, _, _ = ADMIN_URL.rpartition("/")
    return f"{base}/{database}"


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A database of this run's own, built by running every migration."""
    import asyncio

    name = f"iworkz_test_{uuid.uuid4().hex[:12]}"

    async def admin(sql: str) -> None:
        connection = await asyncpg.connect(ADMIN_URL)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = _url_for(name)
    upgrade_to_head(url)
    yield url
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        environment=Environment.TEST,
        database_url=database_url,
        redis_url=REDIS_URL,
        data_dir=tmp_path_factory.mktemp("data"),
        jwt_secret="test-secret-that-is-long-enough-for-hs256-0123456789",  # type: ignore[arg-type]
        redis_key_prefix=f"iworkz-test-{RUN_ID}:",
        # Not the 0.1 s default: one stall of the shared test machine past it turned the
        # cache off for 5 s and failed the caching tests that followed. The tests of the
        # timeout itself put the default back (`outage` in test_cache.py).
        cache_timeout_seconds=2.0,
    )


@pytest.fixture(scope="session")
async def services(settings: Settings) -> AsyncIterator[Services]:
    built = await build_services(settings)
    await built.start()
    yield built
    await built.close()


@pytest.fixture(autouse=True)
async def _clean_tables(services: Services) -> AsyncIterator[None]:
    """Each test starts from the migrated database (taxonomy included), no Redis state and
    no process caches (the matching feature matrices)."""
    yield
    services.extras.clear()
    if services.redis is not None:
        keys = [
            key async for key in services.redis.scan_iter(f"{services.settings.redis_key_prefix}*")
        ]
        if keys:
            await services.redis.delete(*keys)
    async with services.database.session() as session:
        tables = await session.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        )
        names = [name for name in tables.scalars() if name not in KEEP_TABLES]
        if names:
            await session.execute(text(f"TRUNCATE {', '.join(names)} CASCADE"))
            await session.commit()


@pytest.fixture
async def client(settings: Settings, services: Services) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, services)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, statement: str, parameters: Any) -> None:
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def sql_statements(services: Services) -> Iterator[StatementCounter]:
    counter = StatementCounter()
    with statements_sent(services.database.engine, counter):
        yield counter
