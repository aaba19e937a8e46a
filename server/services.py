"""The process-wide services, built once from settings at start-up.

Which adapter runs (embedded or production) is decided here and nowhere else.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from eth_account import Account
from redis.asyncio import Redis

from domain.ai.language_model import LanguageModel
from domain.auth.throttle import AttemptCounter, LoginThrottle
from domain.auth.tokens import AccessTokens, TokenSettings
from domain.credentials.ledger import Ledger
from domain.crypto.field_encryption import KeyRing
from domain.events import JobQueue
from domain.notifications.channels import DeliveryChannels
from domain.skills.lookup import taxonomy_fingerprint
from server.adapters.attempt_counter import MemoryAttemptCounter, RedisAttemptCounter
from server.adapters.delivery_channels import delivery_channels
from server.adapters.event_bus import InMemoryEventBus, RedisEventBus
from server.adapters.job_queue import ArqJobQueue, InlineJobQueue
from server.adapters.language_model import language_model_from_settings
from server.adapters.ledger import build_ledger, embedded_anchor_address
from server.cache import PublicCache
from server.cache_store import CacheStore, MemoryCacheStore, RedisCacheStore
from server.database import Database
from server.embedded_postgres import start_embedded_postgres
from server.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    database: Database
    bus: InMemoryEventBus  # or its Redis subclass; both feed local subscriptions
    queue: JobQueue
    tokens: AccessTokens
    keyring: KeyRing  # encrypts personal data at rest
    login_throttle: LoginThrottle
    redis: Redis | None = None
    cache: PublicCache | None = None  # skill searches and public job pages (server/cache.py)
    extras: dict[str, Any] = field(default_factory=dict)
    _ledger: Ledger | None = None
    _ledger_close: Callable[[], Awaitable[None]] | None = None
    _ledger_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def chain(self) -> Ledger:
        """The chain credentials are anchored on and verified against, opened on first use
        (the embedded chain holds a file lock: only processes that need it open it)."""
        async with self._ledger_lock:
            if self._ledger is None:
                self._ledger, self._ledger_close = await build_ledger(self.settings)
            return self._ledger

    async def anchoring_address(self) -> str:
        """The anchoring account, without opening the chain (the embedded one replays its
        head under a file lock): the open ledger's, else the configured key's, else the
        embedded chain's key file; the account `chain()` anchors with."""
        if self._ledger is not None:
            return self._ledger.address
        key = self.settings.chain_anchor_private_key
        if key is not None:
            return str(Account.from_key(key.get_secret_value()).address)
        if self.settings.chain_rpc_url is not None:
            raise ValueError("CHAIN_RPC_URL needs CHAIN_ANCHOR_PRIVATE_KEY")  # as chain() does
        return await asyncio.to_thread(embedded_anchor_address, self.settings.data_dir)

    @cached_property
    def channels(self) -> DeliveryChannels:
        """E-mail, push and webhook senders (each off unless configured), from settings."""
        return delivery_channels(self.settings)

    @cached_property
    def language_model(self) -> LanguageModel:
        """Rewords the agent's answers when `LLM_BASE_URL` is set; templates otherwise."""
        return language_model_from_settings(self.settings)

    async def start(self) -> None:
        """Connect what runs in the background (the event relay); safe to call twice."""
        await self.bus.start()
        if self.cache is not None:
            await self.cache.start()

    async def close(self) -> None:
        if isinstance(self.queue, InlineJobQueue):
            await self.queue.drain()
        await self.bus.stop()
        if self._ledger_close is not None:
            await self._ledger_close()
            self._ledger, self._ledger_close = None, None
        if self.cache is not None:
            await self.cache.close()
        await self.database.dispose()
        if self.redis is not None:
            await self.redis.aclose()


def database_url(settings: Settings) -> str:
    if settings.database_url:
        return settings.database_url
    return start_embedded_postgres(settings.data_dir)


def token_settings(settings: Settings) -> TokenSettings:
    return TokenSettings.from_secret_or_pem(
        settings.jwt_algorithm.value,
        secret=settings.jwt_signing_secret if settings.jwt_algorithm == "HS256" else None,
        private_pem=settings.jwt_private_key.get_secret_value()
        if settings.jwt_private_key
        else None,
        public_pem=settings.jwt_public_key,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl_seconds=settings.access_token_ttl_seconds,
        previous=settings.jwt_previous_keys,
    )


def keyring_from_settings(settings: Settings) -> KeyRing:
    """The data-encryption keys; a bad key or a missing active one stops start-up here."""
    keys, active = settings.data_encryption_key_config
    return KeyRing.from_encoded(keys, active)


def login_throttle(settings: Settings, counter: AttemptCounter) -> LoginThrottle:
    return LoginThrottle(
        counter,
        max_failures_per_account=settings.login_max_failures_per_account,
        max_failures_per_ip=settings.login_max_failures_per_ip,
        window_seconds=settings.login_failure_window_seconds,
    )


def build_database(settings: Settings, url: str | None = None) -> Database:
    return Database(
        url or database_url(settings),
        pool_size=settings.database_pool_size,
        parallel_workers_per_query=settings.database_parallel_workers_per_query,
        replica_url=settings.database_replica_url,
        replica_max_lag_seconds=settings.database_replica_max_lag_seconds,
        replica_check_interval_seconds=settings.database_replica_check_interval_seconds,
    )


def public_cache(settings: Settings, database: Database) -> PublicCache | None:
    """The public cache on its own Redis connections, whose socket timeouts bound a hung
    Redis; in memory when embedded. Invalidated after every commit on `database`."""
    if not settings.cache_enabled:
        return None
    store: CacheStore = MemoryCacheStore()
    if settings.redis_url:
        wait = settings.cache_timeout_seconds
        store = RedisCacheStore(
            Redis.from_url(settings.redis_url, socket_timeout=wait, socket_connect_timeout=wait)
        )

    async def fingerprint() -> str:
        async with database.session() as session:
            return await taxonomy_fingerprint(session)

    cache = PublicCache(
        store,
        prefix=settings.redis_key_prefix,
        taxonomy_fingerprint=fingerprint,
        timeout_seconds=settings.cache_timeout_seconds,
        job_ttl_seconds=settings.cache_job_ttl_seconds,
        taxonomy_ttl_seconds=settings.cache_taxonomy_ttl_seconds,
    )
    database.after_commit(cache.on_commit)
    return cache


async def build_services(settings: Settings, url: str | None = None) -> Services:
    database = build_database(settings, url)
    cache = public_cache(settings, database)
    tokens = AccessTokens(token_settings(settings))
    keyring = keyring_from_settings(settings)
    if settings.redis_url:
        from arq.connections import ArqRedis

        redis = Redis.from_url(settings.redis_url)
        arq_redis = ArqRedis(connection_pool=redis.connection_pool)
        return Services(
            settings=settings,
            database=database,
            bus=RedisEventBus(redis, f"{settings.redis_key_prefix}events"),
            queue=ArqJobQueue(arq_redis, settings.job_queue_name),
            tokens=tokens,
            keyring=keyring,
            login_throttle=login_throttle(
                settings, RedisAttemptCounter(redis, settings.redis_key_prefix)
            ),
            redis=redis,
            cache=cache,
        )
    from workers.tasks import TASKS

    context: dict[str, Any] = {}
    services = Services(
        settings=settings,
        database=database,
        bus=InMemoryEventBus(),
        queue=InlineJobQueue(TASKS, context),
        tokens=tokens,
        keyring=keyring,
        login_throttle=login_throttle(settings, MemoryAttemptCounter()),
        cache=cache,
    )
    context["services"] = services  # inline tasks get the same context an arq worker builds
    return services
