"""Public rows through the public cache (server/cache.py), for the loaders: jobs, their
skills, organisations.

Job hits are checked against the caller like any row (`job_visible`): the cache holds
only rows every visitor may see, so a partner token without the jobs scope still gets
nothing. Every organisation is public. Misses are read from the primary when they will
be stored (a fill must not be older than the last commit), from the read session or
connection otherwise.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

from domain.auth import organizations as organization_queries
from domain.auth.models import Organization
from domain.auth.principal import Principal
from domain.jobs import queries as job_queries
from domain.jobs.models import Job
from domain.sql import Readable
from server.cache import Cached, JobLinks, PublicCache
from server.database import Database

V = TypeVar("V")


class CachedPublicReads:
    def __init__(self, database: Database, cache: PublicCache, principal: Principal) -> None:
        self._database = database
        self._cache = cache
        self._principal = principal

    async def jobs_visible_to(self, job_ids: list[uuid.UUID]) -> dict[uuid.UUID, Job]:
        actor = self._principal
        cached = await self._cache.jobs(job_ids)
        if cached is None:
            async with self._database.read_session() as session:
                return await job_queries.jobs_visible_to(session, actor, job_ids)
        found = {
            pk: row
            for pk, row in cached.hits.items()
            if job_queries.job_visible(row, actor, member_of=set())  # public rows: no membership
        }
        missing = [pk for pk in job_ids if pk not in cached.hits]
        if missing:
            async with self._database.session() as session:
                fresh = await job_queries.jobs_visible_to(session, actor, missing)
            await self._cache.store_jobs(fresh.values(), cached.fillable)
            found.update(fresh)
        return found

    async def skills_of_jobs(self, job_ids: list[uuid.UUID]) -> dict[uuid.UUID, JobLinks]:
        return await self._on_connections(
            job_ids,
            await self._cache.job_skills(job_ids),
            job_queries.skills_of_jobs,
            self._cache.store_job_skills,
        )

    async def organizations_by_id(
        self, organization_ids: list[uuid.UUID]
    ) -> dict[uuid.UUID, Organization]:
        return await self._on_connections(
            organization_ids,
            await self._cache.organizations(organization_ids),
            organization_queries.organizations_by_id,
            lambda fresh, fillable: self._cache.store_organizations(fresh.values(), fillable),
        )

    async def _on_connections(
        self,
        ids: list[uuid.UUID],
        cached: Cached[V] | None,
        read: Callable[[Readable, list[uuid.UUID]], Awaitable[dict[uuid.UUID, V]]],
        store: Callable[[dict[uuid.UUID, V], dict[uuid.UUID, int]], Awaitable[None]],
    ) -> dict[uuid.UUID, V]:
        """The hits, and the misses read in one statement on a connection, not a session
        (server/database.py): the primary's when they will be stored, then stored."""
        if cached is None:  # the cache is not to be used now
            async with self._database.read_connection() as connection:
                return await read(connection, ids)
        found = dict(cached.hits)
        missing = [pk for pk in ids if pk not in found]
        if missing:
            database = self._database
            opened = database.fresh_read_connection if cached.fillable else database.read_connection
            async with opened() as connection:
                fresh = await read(connection, missing)
            await store(fresh, cached.fillable)
            found.update(fresh)
        return found
