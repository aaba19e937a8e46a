"""Fixtures of the client tests: the real app on a free port, and clients/js installed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.clients.node import ensure_npm_packages
from tests.live import running_app


@pytest.fixture(scope="session")
async def npm_packages() -> Path:
    return await ensure_npm_packages()


@pytest.fixture
async def live(settings, services) -> AsyncIterator[str]:
    async with running_app(settings, services) as host:
        yield host


@pytest.fixture
async def http(live) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"http://{live}") as client:
        yield client
