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

from redis.asyncio import Redis

from domain.auth.throttle import AttemptCounter, LoginThrottle
from domain.auth.tokens import AccessTokens, TokenSettings
from domain.credentials.ledger import Ledger
from domain.crypto.field_encryption import KeyRing
from domain.events import JobQueue
from domain.notifications.channels import DeliveryChannels
from server.adapters.attempt_counter import MemoryAttemptCounter, RedisAttemptCounter
from server.adapters.delivery_channels import delivery_channels
from server.adapters.event_bus import InMemoryEventBus, RedisEventBus
from server.adapters.job_queue import ArqJobQueue, InlineJobQueue
from server.adapters.ledger import build_ledger
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

    @cached_property
    def channels(self) -> DeliveryChannels:
        """E-mail, push and webhook senders (each off unless configured), from settings."""
        return delivery_channels(self.settings)

    async def start(self) -> None:
        """Connect what runs in the background (the event relay); safe to call twice."""
        await self.bus.start()

    async def close(self) -> None:
        if isinstance(self.queue, InlineJobQueue):
            await self.queue.drain()
        await self.bus.stop()
        if self._ledger_close is not None:
            await self._ledger_close()
            self._ledger, self._ledger_close = None, None
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


async def build_services(settings: Settings, url: str | None = None) -> Services:
    database = Database(url or database_url(settings), pool_size=settings.database_pool_size)
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
    )
    context["services"] = services  # inline tasks get the same context an arq worker builds
    return services
