"""Per-request DataLoaders: every field that crosses to another object batches through here.

Each batch opens its own short session, so concurrent resolvers never share
one; a page of 100 jobs with their organisations and skills costs one
statement per loader, whatever the page size.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from dataloaders.cached_jobs import CachedJobReads
from domain.ai import saved as ai_saved
from domain.auth import organizations
from domain.auth.principal import Principal
from domain.credentials import queries as credential_queries
from domain.crypto.field_encryption import FieldEncryptionError, KeyRing
from domain.jobs import queries as job_queries
from domain.matching import queries as match_queries
from domain.notifications import service as notification_service
from domain.profiles import queries as profile_queries
from domain.profiles.personal_data import service as personal_data
from domain.profiles.personal_data.codec import PersonalData
from domain.skills.lookup import skills_by_id
from domain.webhooks import service as webhook_service
from server.cache import PublicCache
from server.database import Database
from server.metrics import DATALOADER_BATCH_SIZE

K = TypeVar("K")
V = TypeVar("V")


class Loaders:
    def __init__(
        self,
        database: Database,
        principal: Principal,
        keyring: KeyRing,
        cache: PublicCache | None = None,
    ) -> None:
        self._database = database
        self._principal = principal
        self._keyring = keyring
        self.organization = self._loader(organizations.organizations_by_id)
        self.organizations_of_user = self._loader(organizations.organizations_of_users, [])
        self.user = self._loader(organizations.users_by_id)
        self.skill = self._loader(skills_by_id)
        self.job_skills = self._loader(job_queries.skills_of_jobs, [])
        self.worker_skills = self._loader(profile_queries.skills_of_profiles, [])
        self.visible_job = self._loader(self._with_actor(job_queries.jobs_visible_to))
        self.visible_profile = self._loader(self._with_actor(profile_queries.profiles_visible_to))
        self.profile_of_user = self._loader(self._with_actor(profile_queries.profiles_of_users))
        self.visible_match = self._loader(self._with_actor(match_queries.matches_visible_to))
        self.matched_profile = self._loader(match_queries.matched_profiles)
        self.match_history = self._loader(match_queries.history_of_matches, [])
        # Decrypts only when `Worker.personalData` is asked for, and only what the caller may read.
        self.personal_data = self._loader(self._with_actor(self._personal_data))
        # The caller's own only: anyone else's notification or webhook looks missing.
        self.notification = self._loader(
            self._with_actor(notification_service.notifications_visible_to)
        )
        self.webhook = self._loader(self._with_actor(webhook_service.webhooks_visible_to))
        self.visible_credential = self._loader(
            self._with_actor(credential_queries.credentials_visible_to)
        )
        # What the AI agent read from a saved ad or profile: its owners only.
        self.job_ai_extraction = self._loader(self._with_actor(ai_saved.job_extractions_visible_to))
        self.profile_ai_extraction = self._loader(
            self._with_actor(ai_saved.profile_extractions_visible_to)
        )
        if cache is not None:  # public job pages from the cache (server/cache.py)
            cached = CachedJobReads(database, cache, principal)
            self.visible_job = self._batched(cached.jobs_visible_to, "jobs_visible_to")
            self.job_skills = self._batched(cached.skills_of_jobs, "skills_of_jobs", [])

    async def _personal_data(
        self, session: AsyncSession, actor: Principal, profile_ids: list[uuid.UUID]
    ) -> dict[uuid.UUID, PersonalData | FieldEncryptionError]:
        return await personal_data.personal_data_of_profiles(
            session, actor, profile_ids, keyring=self._keyring
        )

    def _with_actor(
        self, fetch: Callable[[AsyncSession, Principal, list[K]], Awaitable[dict[K, V]]]
    ) -> Callable[[AsyncSession, list[K]], Awaitable[dict[K, V]]]:
        async def fetch_for_actor(session: AsyncSession, keys: list[K]) -> dict[K, V]:
            return await fetch(session, self._principal, keys)

        fetch_for_actor.__name__ = fetch.__name__  # the loader's name in metrics
        return fetch_for_actor

    def _loader(
        self,
        fetch: Callable[[AsyncSession, list[K]], Awaitable[dict[K, V]]],
        missing: Any = None,
    ) -> DataLoader[K, V]:
        async def read(keys: list[K]) -> dict[K, V]:
            # Loaders only read: the replica may serve them (server/database.py).
            async with self._database.read_session() as session:
                return await fetch(session, keys)

        return self._batched(read, fetch.__name__, missing)

    def _batched(
        self,
        fetch: Callable[[list[K]], Awaitable[dict[K, V]]],
        name: str,
        missing: Any = None,
    ) -> DataLoader[K, V]:
        batch_sizes = DATALOADER_BATCH_SIZE.labels(name.lstrip("_"))

        async def load(keys: Sequence[K]) -> list[V]:
            batch_sizes.observe(len(keys))
            found = await fetch(list(keys))
            return [found.get(key, missing) for key in keys]

        return DataLoader(load_fn=load)
