"""Per-request DataLoaders: every field that crosses to another object batches through here.

Each batch opens its own short session, so concurrent resolvers never share
one; a page of 100 jobs with their organisations and skills costs one
statement per loader, whatever the page size.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from functools import cached_property
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from dataloaders.cached_reads import CachedPublicReads
from dataloaders.primed import PrimedCache
from domain.ai import saved as ai_saved
from domain.ai.models import AiExtraction
from domain.auth import organizations
from domain.auth.models import Organization, User
from domain.auth.principal import Principal
from domain.credentials import queries as credential_queries
from domain.credentials.models import Credential
from domain.crypto.field_encryption import FieldEncryptionError, KeyRing
from domain.jobs import queries as job_queries
from domain.jobs.models import Job
from domain.jobs.queries import SkillLink
from domain.matching import queries as match_queries
from domain.matching.models import Match, MatchTransition
from domain.notifications import service as notification_service
from domain.notifications.models import Notification
from domain.profiles import queries as profile_queries
from domain.profiles.models import WorkerProfile, WorkerSkill
from domain.profiles.personal_data import service as personal_data
from domain.profiles.personal_data.codec import PersonalData
from domain.skills.lookup import skills_by_id
from domain.skills.models import Skill
from domain.sql import Readable
from domain.webhooks import service as webhook_service
from domain.webhooks.models import Webhook
from server.cache import PublicCache
from server.database import Database
from server.metrics import DATALOADER_BATCH_SIZE, labelled

K = TypeVar("K")
V = TypeVar("V")


class Loaders:
    """A request's loaders, each made the first time the request uses it: a request uses
    two or three of them, and making all nineteen up front cost ~110 µs, 3 % of a
    `node` request (bench/README.md)."""

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
        # Public rows from the cache (server/cache.py).
        self._cached = CachedPublicReads(database, cache, principal) if cache is not None else None

    @cached_property
    def organization(self) -> DataLoader[uuid.UUID, Organization]:
        if self._cached is not None:
            return self._batched(self._cached.organizations_by_id, "organizations_by_id")
        return self._loader(organizations.organizations_by_id, on=self._database.read_connection)

    @cached_property
    def organizations_of_user(self) -> DataLoader[uuid.UUID, list[Organization]]:
        return self._loader(organizations.organizations_of_users, [])

    @cached_property
    def user(self) -> DataLoader[uuid.UUID, User]:
        return self._loader(organizations.users_by_id)

    @cached_property
    def skill(self) -> DataLoader[uuid.UUID, Skill]:
        return self._loader(skills_by_id)

    @cached_property
    def job_skills(self) -> DataLoader[uuid.UUID, list[SkillLink]]:
        if self._cached is not None:
            return self._batched(self._cached.skills_of_jobs, "skills_of_jobs", [])
        return self._loader(job_queries.skills_of_jobs, [], on=self._database.read_connection)

    @cached_property
    def worker_skills(self) -> DataLoader[uuid.UUID, list[tuple[WorkerSkill, Skill]]]:
        return self._loader(profile_queries.skills_of_profiles, [])

    @cached_property
    def visible_job(self) -> DataLoader[uuid.UUID, Job]:
        if self._cached is not None:
            return self._batched(self._cached.jobs_visible_to, "jobs_visible_to")
        return self._loader(self._with_actor(job_queries.jobs_visible_to))

    @cached_property
    def visible_profile(self) -> DataLoader[uuid.UUID, WorkerProfile]:
        return self._loader(self._with_actor(profile_queries.profiles_visible_to))

    @cached_property
    def profile_of_user(self) -> DataLoader[uuid.UUID, WorkerProfile]:
        return self._loader(self._with_actor(profile_queries.profiles_of_users))

    @cached_property
    def visible_match(self) -> DataLoader[uuid.UUID, Match]:
        return self._loader(self._with_actor(match_queries.matches_visible_to))

    @cached_property
    def matched_profile(self) -> DataLoader[uuid.UUID, WorkerProfile]:
        return self._loader(match_queries.matched_profiles)

    @cached_property
    def match_history(self) -> DataLoader[uuid.UUID, list[MatchTransition]]:
        return self._loader(match_queries.history_of_matches, [])

    @cached_property
    def personal_data(self) -> DataLoader[uuid.UUID, PersonalData | FieldEncryptionError]:
        """Decrypts only when `Worker.personalData` is asked for, and only what the caller
        may read."""
        keyring = self._keyring

        async def _personal_data(
            session: AsyncSession, actor: Principal, profile_ids: list[uuid.UUID]
        ) -> dict[uuid.UUID, PersonalData | FieldEncryptionError]:
            return await personal_data.personal_data_of_profiles(
                session, actor, profile_ids, keyring=keyring
            )

        return self._loader(self._with_actor(_personal_data))

    @cached_property
    def notification(self) -> DataLoader[uuid.UUID, Notification]:
        """The caller's own only: anyone else's looks missing (as for webhooks)."""
        return self._loader(self._with_actor(notification_service.notifications_visible_to))

    @cached_property
    def webhook(self) -> DataLoader[uuid.UUID, Webhook]:
        return self._loader(self._with_actor(webhook_service.webhooks_visible_to))

    @cached_property
    def visible_credential(self) -> DataLoader[uuid.UUID, Credential]:
        return self._loader(self._with_actor(credential_queries.credentials_visible_to))

    @cached_property
    def job_ai_extraction(self) -> DataLoader[uuid.UUID, AiExtraction]:
        """What the agent read from a saved ad: its owners only (as for profiles)."""
        return self._loader(self._with_actor(ai_saved.job_extractions_visible_to))

    @cached_property
    def profile_ai_extraction(self) -> DataLoader[uuid.UUID, AiExtraction]:
        return self._loader(self._with_actor(ai_saved.profile_extractions_visible_to))

    def _with_actor(
        self, fetch: Callable[[AsyncSession, Principal, list[K]], Awaitable[dict[K, V]]]
    ) -> Callable[[AsyncSession, list[K]], Awaitable[dict[K, V]]]:
        principal = self._principal  # not `self`: see `_loader`

        async def fetch_for_actor(session: AsyncSession, keys: list[K]) -> dict[K, V]:
            return await fetch(session, principal, keys)

        fetch_for_actor.__name__ = fetch.__name__  # the loader's name in metrics
        return fetch_for_actor

    def _loader(
        self,
        fetch: Callable[[Any, list[K]], Awaitable[dict[K, V]]],
        missing: Any = None,
        on: Callable[[], AbstractAsyncContextManager[Readable]] | None = None,
    ) -> DataLoader[K, V]:
        """A loader whose batches `fetch` on a read session, or on what `on` opens (a read
        connection, for a batch that is one `CompiledRead`)."""
        # The batch functions hold what they need, not `self`: the loaders they make are
        # kept on `self`, and a closure over `self` made a cycle that kept every row a
        # request loaded alive until the next garbage collection.
        opened = on or self._database.read_session

        async def read(keys: list[K]) -> dict[K, V]:
            # Loaders only read: the replica may serve them (server/database.py).
            async with opened() as readable:
                return await fetch(readable, keys)

        return self._batched(read, fetch.__name__, missing)

    def _batched(
        self,
        fetch: Callable[[list[K]], Awaitable[dict[K, V]]],
        name: str,
        missing: Any = None,
    ) -> DataLoader[K, V]:
        batch_sizes = labelled(DATALOADER_BATCH_SIZE, name.lstrip("_"))

        async def load(keys: Sequence[K]) -> list[V]:
            batch_sizes.observe(len(keys))
            found = await fetch(list(keys))
            return [found.get(key, missing) for key in keys]

        return DataLoader(load_fn=load, cache_map=PrimedCache())
