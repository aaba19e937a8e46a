"""The SQLAlchemy engine and sessions on asyncpg; one short session per unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from domain.events import EventBus, JobQueue
from domain.unit_of_work import UnitOfWork, unit_of_work


def async_url(url: str) -> str:
    """Accept plain `postgresql://` URLs and point them at the asyncpg driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed.render_as_string(hide_password=False)


class Database:
    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.engine: AsyncEngine = create_async_engine(
            async_url(url), pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
        )
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    def session(self) -> AsyncSession:
        """A fresh session; use as `async with db.session() as session:`."""
        return self._sessions()

    @asynccontextmanager
    async def transaction(self, bus: EventBus, queue: JobQueue) -> AsyncIterator[UnitOfWork]:
        async with unit_of_work(self._sessions, bus, queue) as uow:
            yield uow

    async def dispose(self) -> None:
        await self.engine.dispose()
